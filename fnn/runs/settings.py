"""Every setting of a run, declared once: :class:`RunConfig`, whose fields carry their own help and checks.

Each field of :class:`RunConfig` is made by :func:`setting`: its type, its
default, the flags and help text of its command-line option, the group it is
shown in, whether ``fnn sweep`` can vary it, and what a valid value is. From
that one declaration come the options of ``fnn run`` and ``fnn sweep`` (see
``fnn/cli/_settings.py``), the checks of :func:`check_config`, and the
settings in every output. A new setting is one more field here, and its use in
the math.

This module knows nothing of the command line's libraries: flags and help are
data, which the CLI turns into options.
"""

from __future__ import annotations

import math
import typing
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any, Callable, Mapping

from fnn.errors import ConfigError
from fnn.core.network import DEFAULT_INIT

MODEL, TRAINING, DATA, STOPPING, FIGURES = "Model", "Training", "Data", "Early stopping", "Figures"
GROUPS = (MODEL, TRAINING, DATA, STOPPING, FIGURES)
"""The groups settings are shown in, in this order, by ``fnn run --help`` and ``fnn sweep --help`` alike."""

DEFAULT_EPOCHS = 10000
MAX_LAYER_WIDTH = 100_000
MAX_CLASSES = 1000


@dataclass(frozen=True)
class TaskDefaults:
    """What a task chooses when the run does not: its output activation, its loss, the metric scored
    every epoch (the others are scored at the end), and the most a learning rate the run does not set may be
    (None: the optimizer's default as it is)."""

    output: str
    loss: str
    metric: str
    max_learning_rate: float | None = None


TASK_DEFAULTS = {
    "binary": TaskDefaults("sigmoid", "mse", "accuracy"),
    "multiclass": TaskDefaults("softmax", "cross_entropy", "accuracy"),
    # An identity output has no squashing slope (a sigmoid's is at most 1/4), so the loss curves far more
    # steeply in the last layer's weights than a classifier's: sgd's default rate of 1 overshoots and saturates
    # the hidden units, even on standardized targets, where 0.1 fits sine (R² 0.99) and diabetes.
    "regression": TaskDefaults("identity", "mse", "r2", max_learning_rate=0.1),
}
"""Each task's defaults, by name (see :data:`fnn.core.records.TASKS`)."""


@dataclass(frozen=True)
class Setting:
    """One setting as the command line and the checks see it (made from a :class:`RunConfig` field)."""

    name: str  # the RunConfig field
    type: Any  # its type: str, int, float, bool, tuple[int, ...], Mapping[str, float], or X | None
    default: Any
    flags: tuple[str, ...]  # "--activation", "-a"
    help: str
    group: str
    sweep: bool  # fnn sweep takes a list of values
    valid: Callable[[Any], bool] | None  # None: any value of the type (a name is checked by the registry)
    rule: str  # what valid requires, as the end of "<flag> must be <rule>"
    default_text: str | None  # shown as the default where the value is None or computed
    kind: str | None  # a plugin kind whose names complete this option ("activation", ...)
    heading: str  # the short name in tables and figures ("lr")

    @property
    def optional(self) -> bool:
        """None is a value: "not set", as in ``--batch-size`` (full batch)."""
        return type(None) in typing.get_args(self.type)

    @property
    def base(self) -> Any:
        """The type without ``| None``."""
        args = [arg for arg in typing.get_args(self.type) if arg is not type(None)]
        return args[0] if self.optional and len(args) == 1 else self.type

    @property
    def flag(self) -> str:
        """The setting in a message: its long flag, as a user types it (``--batch-size``)."""
        return self.flags[0]


def setting(default: Any, *flags: str, help: str, group: str, sweep: bool = True,
            valid: Callable[[Any], bool] | None = None, rule: str = "", default_text: str | None = None,
            kind: str | None = None, heading: str | None = None) -> Any:
    """A :class:`RunConfig` field declared with everything the command line and the checks need."""
    meta = dict(flags=flags, help=help, group=group, sweep=sweep, valid=valid, rule=rule, default_text=default_text,
                kind=kind, heading=heading)
    if isinstance(default, Mapping):
        return field(default_factory=lambda: dict(default), metadata={"setting": meta})
    return field(default=default, metadata={"setting": meta})


def _at_least(low: float) -> Callable[[Any], bool]:
    return lambda value: value is None or value >= low


def _finite_at_least(low: float) -> Callable[[Any], bool]:
    return lambda value: value is None or (math.isfinite(value) and value >= low)


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run, by name, as ``fnn run`` takes it.

    ``learning_rate=None`` uses the optimizer's default; ``options`` sets the
    optimizer's other hyper-parameters and the schedule's parameters. ``data``
    (a CSV path) replaces ``dataset``. One ``seed`` fixes the data, the split,
    the initial weights and the mini-batch order.
    """

    dataset: str = setting("xor", "--dataset", "-d", help="Dataset name (fnn list dataset).", group=DATA,
                           kind="dataset")
    hidden: tuple[int, ...] = setting(
        (4, 8), "--hidden", help=(
            "Hidden layer sizes, comma separated, any depth (e.g. 16,16,8); '' for none (the inputs feed the output "
            "directly: logistic regression)."), group=MODEL,
        valid=lambda sizes: all(1 <= size <= MAX_LAYER_WIDTH for size in sizes),
        rule=f"positive integers up to {MAX_LAYER_WIDTH:,}")
    activation: str = setting("sigmoid", "--activation", "-a", help="Hidden-layer activation.", group=MODEL,
                              kind="activation")
    output: str | None = setting(None, "--output-activation", help="Output-layer activation.", group=MODEL,
                                 kind="activation",
                                 default_text="the task's: sigmoid, softmax (multiclass) or identity (regression)")
    loss: str | None = setting(None, "--loss", help="Loss name.", group=TRAINING, kind="loss",
                               default_text="the task's: mse, or cross_entropy (multiclass)")
    optimizer: str = setting("sgd", "--optimizer", "-o", help="Optimizer name.", group=TRAINING, kind="optimizer")
    # Checked once the optimizer's default has filled it in (fnn.runs.training.hyperparameters).
    learning_rate: float | None = setting(None, "--lr", help="Learning rate.", group=TRAINING,
                                          default_text="the optimizer's own, at most 0.1 in regression",
                                          heading="lr")
    options: Mapping[str, float] = setting(
        {}, "--opt", help="An optimizer hyper-parameter or schedule parameter, repeatable (e.g. momentum=0.95).",
        group=TRAINING, heading="opt")
    epochs: int = setting(DEFAULT_EPOCHS, "--epochs", "-e", help="Training epochs.", group=TRAINING,
                          valid=_at_least(1), rule="at least 1")
    task: str | None = setting(None, "--task", help=(
        "binary, multiclass or regression; read off the labels when not given (0/1 binary; whole numbers "
        "0..k-1 or text class names multiclass; other numbers regression), or the dataset's own."), group=DATA,
                               default_text="from the labels")
    classes: int | None = setting(None, "--classes", help=(
        "How many classes a dataset that takes it makes (blobs, spiral; fnn list dataset)."), group=DATA,
                                  valid=lambda k: k is None or 2 <= k <= MAX_CLASSES,
                                  rule=f"a whole number from 2 to {MAX_CLASSES}", default_text="the dataset's own")
    n_samples: int | None = setting(None, "--n-samples", help="Number of points.", group=DATA, valid=_at_least(1),
                                    rule="at least 1", default_text="the dataset's own", heading="points")
    noise: float = setting(0.0, "--noise", help="The dataset's noise (fnn list dataset).", group=DATA,
                           valid=_finite_at_least(0), rule="0 or more (a finite number)")
    seed: int = setting(0, "--seed", help="Seed for the data, the split, the initial weights and the batch order.",
                        group=TRAINING, valid=_at_least(0), rule="0 or a positive integer")
    init: str = setting(DEFAULT_INIT, "--init", group=MODEL, help=(
        "Weight initialiser: xavier (Glorot uniform, U(±√(6/(fan_in+fan_out)))), he (He normal, N(0, 2/fan_in)), "
        "uniform (U(-0.5, 0.5), as TensorFlow Playground), normal (N(0, 1), as the lab's np.random.randn); "
        "biases start at 0."))
    batch_size: int | None = setting(None, "--batch-size", help=(
        "Mini-batch size; the points are reshuffled every epoch from the seed and the last partial batch is used."),
                                     group=TRAINING, valid=_at_least(1), rule="at least 1", default_text="full batch")
    test_split: float | None = setting(
        None, "--test-split", help=(
            "Hold out this fraction of each class (stratified) as test data; logs, tables, --json, history.csv and "
            "the figures then show train and test."), group=DATA,
        valid=lambda fraction: fraction is None or 0 < fraction < 1, rule="a fraction between 0 and 1 (exclusive)")
    val_split: float | None = setting(
        None, "--val-split", help=(
            "Hold out this fraction of the training points (after --test-split; stratified by class) as validation "
            "data, scored every epoch: --patience and a sweep's --select then watch it, and the test points are "
            "scored once, at the end."), group=DATA,
        valid=lambda fraction: fraction is None or 0 < fraction < 1, rule="a fraction between 0 and 1 (exclusive)")
    l2: float = setting(0.0, "--l2", help=(
        "L2 penalty (λ/2)·Σ‖Wi‖² on the weights, not the biases; part of the reported loss and of the gradient."),
                        group=TRAINING,
                        valid=_finite_at_least(0), rule="0 or more")
    l1: float = setting(0.0, "--l1", help=(
        "L1 penalty λ·Σ|Wi| on the weights, not the biases; part of the reported loss and of the gradient "
        "(λ·sign(W)); it pulls every weight towards 0 by the same amount, so small ones end near 0."),
                        group=TRAINING, valid=_finite_at_least(0), rule="0 or more")
    schedule: str = setting("constant", "--schedule", group=TRAINING, help=(
        "Learning-rate schedule: constant; step (×gamma=0.5 every step_size epochs, default a quarter of them); "
        "exponential (×gamma=0.999 every epoch); cosine (half a cosine from the rate down to eta_min=0 over all "
        "epochs); as PyTorch's StepLR, ExponentialLR and CosineAnnealingLR. Parameters via --opt."))
    target_accuracy: float | None = setting(
        None, "--target-accuracy", help="Stop at the first epoch whose training accuracy is at least this fraction.",
        group=STOPPING,
        valid=lambda fraction: fraction is None or 0 < fraction <= 1, rule="a fraction in (0, 1]")
    target: Mapping[str, float] = setting(
        {}, "--target", help=(
            "Stop at the first epoch whose training METRIC reaches VALUE (at least, or at most for a metric where "
            "lower is better), as METRIC=VALUE, e.g. r2=0.95 or f1=0.9; repeatable (fnn list metric)."),
        group=STOPPING, sweep=False, kind="metric")
    target_loss: float | None = setting(
        None, "--target-loss", help="Stop at the first epoch whose loss is at most this.", group=STOPPING,
        valid=_finite_at_least(0), rule="0 or more")
    patience: int | None = setting(
        None, "--patience", help=(
            "Stop when the monitored loss (the validation loss with --val-split, else the test loss with --test-split, "
            "else the training loss) has not improved "
            "by more than --min-delta for this many epochs, and restore the best epoch's parameters."),
        group=STOPPING, valid=_at_least(1), rule="at least 1 epoch")
    min_delta: float = setting(0.0, "--min-delta", help="The smallest decrease that counts as an improvement.",
                               group=STOPPING, valid=_finite_at_least(0), rule="0 or more")
    data: str | None = setting(None, "--data", help=(
        "Your own data instead of --dataset: a CSV file with a header row, numeric features and a label column "
        "(0/1, class numbers or names, or numbers to fit)."),
                               group=DATA)
    label_column: str | None = setting(None, "--label-column", help=(
        "The label column of --data; several, comma separated, for regression with several outputs."), group=DATA,
                                       sweep=False, default_text="the last")
    feature_spec: str | None = setting(None, "--features", help=(
        "The network's inputs, made from the data's columns (their names, or x1, x2, ...): a comma list of "
        "columns and terms such as x1^2, x1*x2, sin(x1), cos(x2) (fnn list feature), or poly:N for every monomial "
        "up to degree N, e.g. x1,x2,x1^2,x2^2,x1*x2. Saved with the model; fnn predict, fnn evaluate and the "
        "figures take the original columns."), group=DATA, sweep=False, default_text="the columns as they are",
                                        heading="features")
    standardize: bool = setting(False, "--standardize", help=(
        "Scale the network's inputs (after --features) to mean 0 and standard deviation 1, fitted on the "
        "training points only; saved with the "
        "model and applied by fnn predict."), group=DATA, sweep=False)
    scale_targets: bool = setting(True, "--scale-targets", help=(
        "Regression only: train on targets scaled to mean 0 and standard deviation 1 per column (fitted on the "
        "training points only), so one learning rate suits targets of any spread; the loss is then in "
        "these standardized units, and predictions, metrics, figures and the saved model in the data's."),
        group=DATA, sweep=False, default_text="on (regression only)")
    cv: int | None = setting(None, "--cv", help=(
        "Cross-validation: split the training points (after --test-split) into K folds, stratified by class, "
        "and hold one out as validation data, as --val-split does. fnn sweep trains every fold of each "
        "configuration and shows their mean and std; fnn run trains the one --fold names."), group=DATA,
                             sweep=False, valid=_at_least(2), rule="at least 2")
    fold: int | None = setting(None, "--fold", help=(
        "With --cv: the fold held out as validation data, 1 to K (fnn sweep --cv trains them all)."),
                               group=DATA, sweep=False, valid=_at_least(1), rule="at least 1")
    dtype: str = setting("float64", "--dtype", group=MODEL, help=(
        "float64 or float32 for the whole computation: data, weights, optimizer state (float32 weights start as "
        "the float64 draw, rounded)."))
    dropout: float = setting(0.0, "--dropout", help=(
        "Inverted dropout: in every training step, each hidden unit's output is dropped with this probability "
        "and the others scaled by 1/(1-P), with masks drawn from the seed; off when scoring, testing, predicting "
        "and in the figures. A training setting: saved with the model, ignored by fnn predict."), group=MODEL,
                            valid=lambda p: p is not None and math.isfinite(p) and 0 <= p < 1,
                            rule="a fraction, 0 or more and below 1")
    plot_features: str | None = setting(None, "--plot-features", help=(
        "The two features neurons.png, network.png and training.gif draw over, as NAME,NAME (the others held at "
        "their mean)."), group=FIGURES,
                                        sweep=False, valid=lambda names: names is None or _two_names(names),
                                        rule="two different feature names, comma separated (NAME,NAME)",
                                        default_text="the first two")
    animate: bool = setting(False, "--animate", help=(
        "Keep the parameters of about 60 epochs (more of them early) and write training.gif (and training.mp4 "
        "when ffmpeg is installed) into the run folder."), group=FIGURES, sweep=False)


def _two_names(text: str) -> bool:
    names = [name.strip() for name in text.split(",")]
    return len(names) == 2 and all(names) and names[0] != names[1]


def _settings() -> tuple[Setting, ...]:
    hints = typing.get_type_hints(RunConfig)
    return tuple(Setting(name=f.name, type=hints[f.name], default=_default(f),
                         **{**f.metadata["setting"], "heading": f.metadata["setting"]["heading"] or f.name})
                 for f in fields(RunConfig))


def _default(declared: Field) -> Any:
    if declared.default is not MISSING:
        return declared.default
    assert declared.default_factory is not MISSING, f"{declared.name} has no default"
    return declared.default_factory()


SETTINGS: tuple[Setting, ...] = _settings()
"""Every setting, in :class:`RunConfig` order."""
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def check_config(config: RunConfig) -> None:
    """Raise a :class:`~fnn.errors.ConfigError` for the first setting of ``config`` that is not valid,
    naming it and what is allowed; then the rules that tie settings together."""
    for s in SETTINGS:
        value = getattr(config, s.name)
        if s.valid is not None and not s.valid(value):
            shown = ",".join(map(str, value)) if isinstance(value, tuple) else value
            raise ConfigError(f"{s.flag} must be {s.rule}, got {shown}")
    if config.data is not None and (config.n_samples is not None or config.noise != 0):
        raise ConfigError("--n-samples and --noise shape the built-in datasets; they do not apply to --data")
    if config.data is None and config.label_column is not None:
        raise ConfigError("--label-column applies to --data only")
    if config.data is not None and config.classes is not None:
        raise ConfigError("--classes shapes the built-in datasets; with --data the labels say how many classes")
    if config.cv is not None and config.val_split is not None:
        raise ConfigError("--cv and --val-split both hold out validation data; choose one")
    if config.fold is not None and config.cv is None:
        raise ConfigError("--fold picks a fold of --cv; give --cv K too")
    if config.cv is not None and config.fold is None:
        raise ConfigError(f"--cv {config.cv} holds out one fold as validation data: give --fold 1 to {config.cv} "
                          f"(fnn sweep --cv {config.cv} trains every fold)")
    if config.cv is not None and config.fold is not None and config.fold > config.cv:
        raise ConfigError(f"--fold must be 1 to {config.cv} (the folds of --cv {config.cv}), got {config.fold}")


def validated(config: RunConfig) -> bool:
    """Whether a run holds out validation points: a fraction (``--val-split``) or a fold (``--cv``)."""
    return config.val_split is not None or config.cv is not None


def plain_settings(config: RunConfig) -> dict[str, Any]:
    """Every setting of ``config`` by name, in declaration order, as JSON values (a tuple as a list,
    the options as a dict): the settings part of ``fnn run --json``, a run folder's summary and a
    sweep's ``results.csv``. ``dataset`` is None when ``data`` replaces it."""
    plain = {s.name: _plain(getattr(config, s.name)) for s in SETTINGS}
    if config.data is not None:
        plain["dataset"] = None  # --data replaces it
    return plain


def config_from_plain(values: Mapping[str, Any]) -> RunConfig:
    """The :class:`RunConfig` whose :func:`plain_settings` are ``values`` (lists back to tuples); a
    ``ConfigError`` for a value that is not valid."""
    if not isinstance(values, Mapping) or set(values) - set(BY_NAME):
        raise ConfigError(f"not a run's settings (known: {', '.join(BY_NAME)})")
    # dataset is None when --data replaced it: the setting's default then, as the run had it.
    given: dict[str, Any] = {name: tuple(value) if isinstance(value, list) else value
                             for name, value in values.items() if not (name == "dataset" and value is None)}
    config = RunConfig(**given)
    check_config(config)
    return config


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value
