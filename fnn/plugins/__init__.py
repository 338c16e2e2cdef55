"""The plugin system: the hooks (``hookspecs``), loading and conflicts (``registry``), and the
checks a plugin's records pass at load and first use (``contracts``)."""
