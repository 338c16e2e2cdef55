"""The stacked sweep engine and float32.

Configurations that differ only in learning rate and seed train as one network
with a leading model axis; every result must equal the separate run (float64,
to 1e-12) for every built-in optimizer and activation, with test splits, L2,
schedules and diverging members. Configurations the engine cannot stack
(mini-batches, early stopping, a loss that only handles one model) must still
train, one by one. float32 runs keep float32 throughout and train the lab sets.
"""

from __future__ import annotations

import numpy as np
import pytest

import fnn
import fnn.runs.sweep
from fnn.runs.sweep import grid, plan, run_sweep, stack_key, train_group, train_one

TOLERANCE = 1e-12


def assert_same_runs(stacked, alone):
    assert len(stacked) == len(alone)
    for together, separate in zip(stacked, alone):
        assert together.config == separate.config
        assert together.diverged_at == separate.diverged_at
        if separate.summary is None:
            assert together.summary is None
            continue
        np.testing.assert_allclose(together.loss, separate.loss, rtol=0, atol=TOLERANCE)
        np.testing.assert_array_equal(together.accuracy, separate.accuracy)
        assert together.first_perfect == separate.first_perfect
        for key in ("final_loss", "accuracy", "test_loss", "test_accuracy", "val_loss", "val_accuracy"):
            if separate.summary[key] is None:
                assert together.summary[key] is None
            else:
                assert together.summary[key] == pytest.approx(separate.summary[key], rel=0, abs=TOLERANCE)
        # every metric of the task at the end, as a sweep's table has them
        for key in ("metrics", "test_metrics", "val_metrics"):
            if separate.summary[key] is None:
                assert together.summary[key] is None
            else:
                assert together.summary[key] == pytest.approx(separate.summary[key], rel=0, abs=TOLERANCE)


@pytest.fixture
def stacks(monkeypatch):
    """The size of every stack trained, as a list that fills while the test runs."""
    sizes: list[int] = []
    together = fnn.runs.sweep._stacked_experiment
    monkeypatch.setattr(fnn.runs.sweep, "_stacked_experiment",
                        lambda members: sizes.append(len(members)) or together(members))
    return sizes


@pytest.mark.parametrize("optimizer", fnn.registry().names("optimizer"))
@pytest.mark.parametrize("activation", fnn.registry().names("activation"))
def test_stacked_equals_separate_runs(optimizer, activation, stacks):
    assert fnn.registry().optimizer(optimizer).stacks, "every built-in optimizer declares that it stacks"
    configs = grid(learning_rate=[0.05, 0.5], seed=[1, 2], optimizer=[optimizer], activation=[activation],
                   dataset=["linear"], epochs=[60])
    assert len({stack_key(c) for c in configs}) == 1, "one stacked group"
    assert_same_runs(train_group(configs), [train_one(c) for c in configs])
    assert stacks == [4]


@pytest.mark.parametrize("loss", fnn.registry().names("loss"))
def test_every_builtin_loss_stacks_with_results_equal_to_separate_runs(loss, stacks):
    assert fnn.registry().loss(loss).stacks, "every built-in loss declares that it stacks"
    dataset = "moons" if "binary" in fnn.registry().loss(loss).tasks else "blobs"  # a task the loss fits
    configs = grid(learning_rate=[0.5, 2.0], seed=[1, 2], loss=[loss], dataset=[dataset], test_split=[0.25],
                   epochs=[60])
    assert_same_runs(train_group(configs), [train_one(c) for c in configs])
    assert stacks == [4]


@pytest.mark.parametrize("dataset, classes", [("spiral", 3), ("blobs", 4), ("sine", None), ("plane", None)])
def test_multiclass_and_regression_stack_with_results_equal_to_separate_runs(dataset, classes, stacks):
    # softmax is row-wise: stacking must keep each model's rows apart. Regression: identity output, mse.
    configs = grid(learning_rate=[0.01, 0.1], seed=[1, 2], dataset=[dataset], classes=[classes], optimizer=["adam"],
                   hidden=[(16, 16)], test_split=[0.3], epochs=[60])
    stacked, alone = train_group(configs), [train_one(c) for c in configs]
    assert {run.config.task for run in alone} == {"regression" if classes is None else "multiclass"}
    assert_same_runs(stacked, alone)
    assert stacks == [4]


def test_stacked_with_test_split_l2_and_a_schedule():
    configs = grid(learning_rate=[0.3, 1.0, 2.0], seed=[3, 4], dataset=["moons"], test_split=[0.3], l2=[0.01],
                   schedule=["cosine"], activation=["tanh"], epochs=[80], optimizer=["momentum"])
    assert_same_runs(train_group(configs), [train_one(c) for c in configs])


@pytest.mark.parametrize("dataset, classes", [("moons", None), ("spiral", 3), ("sine", None)])
def test_stacked_with_a_validation_split_equals_separate_runs(dataset, classes, stacks):
    # The validation points, like the test points, depend only on the data and the seed: members stack them.
    configs = grid(learning_rate=[0.05, 0.5], seed=[1, 2], dataset=[dataset], classes=[classes], optimizer=["adam"],
                   test_split=[0.2], val_split=[0.25], epochs=[40])
    stacked, alone = train_group(configs), [train_one(c) for c in configs]
    assert all(run.summary["val_metrics"] and run.summary["test_metrics"] for run in alone)
    assert_same_runs(stacked, alone)
    assert stacks == [4]


def test_a_diverging_member_does_not_disturb_the_others():
    configs = grid(learning_rate=[0.1, 50.0], seed=[0], output=["identity"], epochs=[300])
    stacked, alone = train_group(configs), [train_one(c) for c in configs]
    assert alone[1].diverged_at is not None and alone[0].diverged_at is None
    assert_same_runs(stacked, alone)


def test_run_sweep_matches_separate_runs_in_any_order_and_with_workers():
    configs = grid(learning_rate=[0.5, 1.5], seed=[1, 2], hidden=[(4, 8), (3,)], epochs=[50])
    alone = [train_one(c) for c in configs]
    assert_same_runs(run_sweep(configs, workers=1), alone)
    assert_same_runs(run_sweep(configs, workers=2), alone)


def test_plan_stacks_what_differs_only_in_learning_rate_and_seed_and_splits_for_workers():
    configs = grid(learning_rate=[0.1, 1.0], seed=[1, 2], activation=["sigmoid", "tanh"])
    tasks = plan(configs, workers=1)
    assert sorted(len(task) for task in tasks) == [4, 4]
    assert all(len({configs[i].activation for i in task}) == 1 for task in tasks)
    assert sorted(len(task) for task in plan(configs, workers=2)) == [2, 2, 2, 2]


@pytest.mark.parametrize("setting", [{"batch_size": 8}, {"patience": 5}, {"target_accuracy": 0.9},
                                     {"target_loss": 0.1}])
def test_runs_that_cannot_stack_train_alone(setting):
    configs = grid(learning_rate=[0.5, 1.0], seed=[1], epochs=[40], dataset=["linear"],
                   **{k: [v] for k, v in setting.items()})
    assert stack_key(configs[0]) is None
    assert [len(task) for task in plan(configs, workers=1)] == [1, 1]
    assert_same_runs(run_sweep(configs), [train_one(c) for c in configs])


def test_a_loss_that_handles_one_model_only_trains_alone(fnn_registry):
    def value(pred, target):
        return float(np.mean((pred - target) ** 2))  # one number for all models: not stackable

    def grad(pred, target):
        return 2 * (pred - target) / pred.size

    class OneModelLoss:
        @fnn.hookimpl
        def fnn_losses(self):
            yield fnn.Loss("plain_mse", value, grad)

    fnn_registry(OneModelLoss())
    configs = grid(learning_rate=[0.5, 1.0], seed=[1], loss=["plain_mse"], epochs=[30])
    assert_same_runs(train_group(configs), [train_one(c) for c in configs])


def test_whether_a_loss_stacks_is_its_own_declaration_not_its_names(fnn_registry, stacks):
    """Two registries, each with a loss named "custom": the first stacks, the second takes one model only.
    Training under the first must not make the second stack (it would fail)."""
    mse = fnn.registry().loss("mse")

    def one_model_value(pred, target):
        assert pred.ndim == 2, "one model at a time"
        return mse.value(pred, target)

    def registry_with(loss):
        class Custom:
            @fnn.hookimpl
            def fnn_losses(self):
                yield loss
        fnn_registry(Custom())

    configs = grid(learning_rate=[0.5, 1.0], seed=[1], loss=["custom"], epochs=[20])
    registry_with(fnn.Loss("custom", mse.value, mse.grad, stacks=True))
    assert_same_runs(train_group(configs), [train_one(c) for c in configs])
    assert stacks == [2]
    registry_with(fnn.Loss("custom", one_model_value, mse.grad))
    assert_same_runs(train_group(configs), [train_one(c) for c in configs])
    assert stacks == [2], "the 2-D-only loss trained its runs one by one"


@pytest.mark.parametrize("dataset", ["xor", "linear"])
def test_float32_trains_the_lab_sets_to_100_percent(dataset):
    result = fnn.fit(dataset=dataset, dtype="float32")
    assert result.final.accuracy == 1.0
    assert {array.dtype for array in result.final.params.values()} == {np.dtype(np.float32)}
    assert result.experiment.x.dtype == np.float32 and result.experiment.y.dtype == np.float32


@pytest.mark.parametrize("optimizer", fnn.registry().names("optimizer"))
def test_float32_stays_float32_through_every_optimizer(optimizer):
    experiment = fnn.prepare(fnn.RunConfig(dtype="float32", optimizer=optimizer, dataset="moons", test_split=0.3,
                                           l2=0.01, schedule="step", activation="leaky_relu", epochs=5))
    for record in fnn.run(experiment):
        buffers = [part for part in record.state if isinstance(part, dict)]
        arrays = [*record.params.values(), *(a for buffer in buffers for a in buffer.values())]
        assert {array.dtype for array in arrays} == {np.dtype(np.float32)}


def test_a_float32_network_keeps_float32_gradients_when_an_activation_returns_float64():
    # A plugin may compute in float64; backward casts the gradients to the parameters' float32.
    def upcast(fn):
        return lambda *arrays: fn(*(np.asarray(a, dtype=np.float64) for a in arrays))

    tanh = fnn.registry().activation("tanh")
    wide = fnn.Activation("tanh64", upcast(tanh.forward), upcast(tanh.backward))
    params = fnn.init_params((2, 3, 1), seed=0, dtype="float32")
    x = np.linspace(-1, 1, 10, dtype=np.float32).reshape(5, 2)
    y_hat, cache = fnn.forward(params, x, wide, wide)
    grads = fnn.backward(params, cache, np.ones_like(y_hat))
    _, cache32 = fnn.forward(params, x, tanh, tanh)
    expected = fnn.backward(params, cache32, np.ones((5, 1), dtype=np.float32))
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}
    for key in params:
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-5, atol=1e-6)


def test_float32_sweep_stacks_and_matches_separate_float32_runs():
    configs = grid(learning_rate=[0.5, 1.0], seed=[1, 2], dtype=["float32"], epochs=[50], optimizer=["adam"])
    stacked, alone = train_group(configs), [train_one(c) for c in configs]
    for together, separate in zip(stacked, alone):
        np.testing.assert_allclose(together.loss, separate.loss, rtol=1e-6)


@pytest.mark.parametrize("runs_per_stack", [1, 2, 3])
def test_stacks_are_bounded_by_memory_and_give_the_same_numbers(monkeypatch, runs_per_stack, stacks):
    """Beyond STACK_BYTES a group trains in several stacks, prepared one at a time, with unchanged results."""
    from fnn.runs.training import run_bytes

    configs = grid(learning_rate=[0.1, 0.5, 1.0, 2.0], seed=[1, 2], epochs=[40])
    per_run = run_bytes(21, (2, 4, 8, 1), "float64")
    monkeypatch.setattr(fnn.runs.sweep, "STACK_BYTES", per_run * runs_per_stack)
    assert_same_runs(train_group(configs), [train_one(c) for c in configs])
    expected = [runs_per_stack] * (len(configs) // runs_per_stack) + [len(configs) % runs_per_stack]
    assert stacks == [size for size in expected if size > 1]


def test_a_stack_is_one_experiment_trained_by_complete_then_split_into_each_runs_fit_result():
    from fnn.runs.sweep import _split, _stacked_experiment
    from fnn.runs.training import complete

    configs = grid(learning_rate=[0.1, 50.0, 1.0], seed=[0], output=["identity"], test_split=[0.3], epochs=[300])
    members = [fnn.prepare(config) for config in configs]
    results = _split(complete(_stacked_experiment(members)), members)
    for config, result in zip(configs, results):
        assert result.experiment.config == fnn.prepare(config).config
        try:
            alone = fnn.fit(config)
        except fnn.TrainingDiverged as error:
            assert result.stop_reason == f"diverged at epoch {error.epoch}; trained on with its stack"
            continue
        assert (result.stop_reason, result.final.epoch, set(result.history)) == \
            (alone.stop_reason, alone.final.epoch, set(alone.history))
        for name, values in alone.history.items():
            np.testing.assert_allclose(result.history[name], values, rtol=0, atol=TOLERANCE)
        for key, value in alone.final.params.items():
            assert result.final.params[key].shape == value.shape
            np.testing.assert_allclose(result.final.params[key], value, rtol=0, atol=TOLERANCE)
    assert sum(result.stop_reason.startswith("diverged") for result in results) == 1
