"""Files in and out: CSV data (``data``), model files (``modelfile``), run and sweep folders
(``rundir``) and strict JSON (``jsonfile``). Every reader bounds what an untrusted file may cost."""
