"""Immutability: every mapping fnn returns is read-only, and no function changes its inputs.

Covers parameters from ``init_params``, gradients from ``backward``, updates
and state from every optimizer, ``apply_updates`` results, ``fnn.Params``
itself (copies, pickling) and the error for mismatched structures.
"""

import pickle
from collections.abc import Mapping

import numpy as np
import pytest

import fnn
from fnn.core.params import stacked

REGISTRY = fnn.registry()
OPTIMIZERS = REGISTRY.names("optimizer")
SIZES = (2, 3, 4, 1)


def arrays_in(tree):
    """Every array inside nested tuples and mappings, such as an optimizer's state."""
    if isinstance(tree, np.ndarray):
        yield tree
    elif isinstance(tree, Mapping):
        for value in tree.values():
            yield from arrays_in(value)
    elif isinstance(tree, tuple):
        for item in tree:
            yield from arrays_in(item)


def assert_read_only(mapping):
    assert isinstance(mapping, fnn.Params)
    with pytest.raises(TypeError):
        mapping["W1"] = np.zeros((2, 3))
    with pytest.raises(TypeError):
        del mapping["b1"]
    with pytest.raises(TypeError):
        mapping.update(W1=np.zeros((2, 3)))
    for array in mapping.values():
        assert_array_read_only(array)


def assert_array_read_only(array):
    assert not array.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        array[...] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        array += 1.0


def writable_inputs(seed=0):
    """Plain dicts of writable arrays, as a notebook might pass: the only inputs fnn could damage."""
    rng = np.random.default_rng(seed)
    params = {key: np.array(value) for key, value in fnn.init_params(SIZES, seed=seed).items()}
    x = rng.normal(size=(5, 2))
    return params, x


def snapshot(*trees):
    return [(array.copy(), array.flags.writeable) for tree in trees for array in arrays_in(tree)]


def assert_unchanged(before, *trees):
    after = [array for tree in trees for array in arrays_in(tree)]
    assert len(after) == len(before)
    for (old, writeable), new in zip(before, after):
        assert new.tobytes() == old.tobytes() and new.dtype == old.dtype and new.shape == old.shape
        assert new.flags.writeable == writeable


def grads_for(params, x):
    y_hat, cache = fnn.forward(params, x)
    return fnn.backward(params, cache, y_hat - 1.0)


# ------------------------------------------------------------- read-only results

def test_init_params_are_read_only():
    assert_read_only(fnn.init_params(SIZES))


def test_backward_grads_are_read_only():
    params, x = writable_inputs()
    assert_read_only(grads_for(params, x))


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_updates_state_and_new_params_are_read_only(name):
    params = fnn.init_params(SIZES)
    grads = grads_for(params, np.ones((3, 2)))
    optimizer = REGISTRY.optimizer(name).make()
    state = optimizer.init(params)
    for _ in range(2):
        updates, state = optimizer.update(grads, state, params)
        assert_read_only(updates)
        for array in arrays_in(state):
            assert_array_read_only(array)
        params = fnn.apply_updates(params, updates)
        assert_read_only(params)


def test_params_copies_its_input_and_leaves_it_writable():
    source = {"W1": np.ones((2, 3)), "b1": np.zeros(3)}
    params = fnn.Params(source)
    source["W1"][0, 0] = 5.0
    source["b1"] = np.full(3, 7.0)
    np.testing.assert_array_equal(params["W1"], np.ones((2, 3)))
    np.testing.assert_array_equal(params["b1"], np.zeros(3))
    assert source["W1"].flags.writeable
    assert_read_only(params)


def test_params_pickle_round_trip():
    params = fnn.init_params(SIZES, seed=4)
    restored = pickle.loads(pickle.dumps(params))
    assert type(restored) is fnn.Params
    assert restored == params
    assert list(restored) == list(params)
    assert_read_only(restored)


# ----------------------------------------------------- inputs left unchanged

@pytest.mark.parametrize("activation", REGISTRY.names("activation"))
def test_forward_and_backward_leave_their_inputs_unchanged(activation):
    params, x = writable_inputs()
    grad_y = np.full((5, 1), 0.5)
    before = snapshot(params, x, grad_y)
    y_hat, cache = fnn.forward(params, x, activation, activation)
    fnn.backward(params, cache, grad_y)
    fnn.predict(params, x, activation, activation)
    assert_unchanged(before, params, x, grad_y)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_update_and_apply_updates_leave_their_inputs_unchanged(name):
    params, x = writable_inputs()
    grads = {key: np.array(value) for key, value in grads_for(params, x).items()}
    optimizer = REGISTRY.optimizer(name).make()
    state = optimizer.init(params)
    for _ in range(2):
        before = snapshot(grads, state, params)
        updates, new_state = optimizer.update(grads, state, params)
        assert_unchanged(before, grads, state, params)
        before_updates = snapshot(updates)
        new_params = fnn.apply_updates(params, updates)
        assert_unchanged(before, grads, state, params)
        assert_unchanged(before_updates, updates)
        assert not np.array_equal(new_params["W1"], params["W1"])
        state = new_state


# -------------------------------------------------------- structure mismatch

def test_apply_updates_names_both_structures_on_a_missing_key():
    params = fnn.init_params((2, 3, 1))
    updates = fnn.Params({key: value for key, value in params.items() if key != "b2"})
    with pytest.raises(fnn.ConfigError, match=r"mismatched structures: \{W1: \(2, 3\).*b2: \(1,\)\} vs "
                                              r"\{W1: \(2, 3\), b1: \(3,\), W2: \(3, 1\)\}"):
        fnn.apply_updates(params, updates)


def test_apply_updates_names_both_structures_on_a_wrong_shape():
    params = fnn.init_params((2, 3, 1))
    updates = fnn.init_params((2, 4, 1))
    with pytest.raises(fnn.ConfigError, match=r"W1: \(2, 3\).* vs .*W1: \(2, 4\)"):
        fnn.apply_updates(params, updates)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_update_rejects_grads_of_another_network(name):
    params = fnn.init_params((2, 3, 1))
    grads = fnn.init_params((2, 5, 1))
    optimizer = REGISTRY.optimizer(name).make()
    with pytest.raises(fnn.ConfigError, match=r"mismatched structures: .*W1: \(2, 3\).* vs .*W1: \(2, 5\)"):
        optimizer.update(grads, optimizer.init(params), params)


# ------------------------------------------------------------- flat-backed Params

def per_array(params):
    """The same arrays as a Params that is not flat-backed: the path of any other mapping."""
    return fnn.Params._trusted({key: np.array(value) for key, value in params.items()})


def test_init_params_are_views_of_one_read_only_vector():
    params = fnn.init_params(SIZES, seed=1)
    assert params.flat.shape == (sum(value.size for value in params.values()),)
    assert not params.flat.flags.writeable
    assert np.array_equal(params.flat, np.concatenate([value.ravel() for value in params.values()]))
    for value in params.values():
        assert value.base is params.flat
        with pytest.raises(ValueError):
            value.setflags(write=True)  # a view of a read-only vector cannot be made writable


def test_equal_structures_share_one_layout_object():
    a, b = fnn.init_params(SIZES, seed=1), fnn.init_params(SIZES, seed=2)
    assert a.layout is b.layout and a.layout.keys == ("W1", "b1", "W2", "b2", "W3", "b3")
    assert fnn.init_params((2, 5, 1)).layout is not a.layout


@pytest.mark.parametrize("arrays", [
    {"only": np.arange(6.0).reshape(2, 3)},  # one array
    {"": np.float32(2.5), "a b": np.ones((0, 3), dtype=np.float32), "W": np.ones((2, 2), dtype=np.float32)},
    {"x": np.arange(3.0).astype(">f8"), "y": np.eye(2).astype(">f8")},  # big-endian
])
def test_any_floating_arrays_of_one_dtype_are_flat_backed_views(arrays):
    # Keys need not be identifiers, and scalars, empty arrays and any byte order keep their shapes and values.
    params = fnn.Params(arrays)
    assert params.layout is not None and list(params) == list(arrays)
    for key, value in arrays.items():
        assert params[key].shape == np.shape(value) and params[key].dtype.type is np.asarray(value).dtype.type
        assert np.array_equal(params[key], value) and params[key].base is params.flat
    assert_read_only(params)


@pytest.mark.parametrize("arrays", [
    {"W1": np.ones((2, 3), dtype=np.float32), "b1": np.zeros(3)},  # two dtypes
    {"W1": np.ones((4, 2, 3)), "b1": np.zeros((4, 1, 3))},  # stacked: a leading model axis
    {"n": np.arange(3)},  # not floating point
    {},
])
def test_params_that_cannot_share_one_vector_are_per_array(arrays):
    params = fnn.Params(arrays)
    assert params.flat is None and params.layout is None
    assert params == arrays and all(not value.flags.writeable for value in params.values())


def test_pickle_keeps_params_flat_backed():
    restored = pickle.loads(pickle.dumps(fnn.init_params(SIZES, seed=4)))
    assert restored.layout is fnn.init_params(SIZES).layout and all(v.base is restored.flat for v in restored.values())


def test_backward_of_flat_backed_params_is_flat_backed_and_bitwise_the_per_array_gradient():
    params, x = fnn.init_params(SIZES, seed=3), np.random.default_rng(3).normal(size=(6, 2))
    grads = grads_for(params, x)
    expected = grads_for(per_array(params), x)
    assert grads.layout is params.layout and expected.layout is None
    assert list(grads) == list(expected) == list(params)
    assert all(np.array_equal(grads[key], expected[key]) for key in params)
    assert_read_only(grads)
    assert not grads.flat.flags.writeable


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizers_give_the_same_bits_on_one_vector_as_array_by_array(name):
    rng = np.random.default_rng(5)
    optimizer = REGISTRY.optimizer(name).make(learning_rate=0.05)
    runs = []
    for wrap in (lambda tree: tree, per_array):
        params = wrap(fnn.init_params(SIZES, seed=5))
        state = optimizer.init(params)
        for _ in range(4):
            grads = wrap(fnn.Params({key: rng.normal(size=value.shape) for key, value in params.items()}))
            updates, state = optimizer.update(grads, state, params)
            params = fnn.apply_updates(params, updates)
        runs.append((params, state))
        rng = np.random.default_rng(5)
    (flat, flat_state), (arrays, array_state) = runs
    assert flat.layout is not None and arrays.layout is None
    assert all(np.array_equal(flat[key], arrays[key]) for key in flat)
    assert [a.tobytes() for a in arrays_in(flat_state)] == [a.tobytes() for a in arrays_in(array_state)]
    assert_read_only(flat)
    for array in arrays_in(flat_state):
        assert_array_read_only(array)


@pytest.mark.parametrize("optimizer,settings", [("sgd", {}), ("adam", {}), ("momentum", {"l2": 0.01}),
                                                ("sgd", {"schedule": "cosine"})])
def test_a_run_stays_flat_backed_from_the_first_epoch_to_the_last(optimizer, settings):
    # The fast path is a property of the data, so nothing else would notice if a step fell off it.
    experiment = fnn.prepare(fnn.RunConfig(dataset="xor", optimizer=optimizer, epochs=3, **settings))
    layout = experiment.params.layout
    assert layout is not None
    for record in fnn.run(experiment):
        assert record.params.layout is layout
        assert all(buffer.layout is layout for buffer in record.state if isinstance(buffer, fnn.Params))


# ------------------------------------------------------- stacked, as fnn sweep trains

def test_stacked_flat_backed_params_are_views_of_one_read_only_m_by_1_by_size_vector():
    models = [fnn.init_params(SIZES, seed=seed) for seed in range(3)]
    together = stacked(models)
    assert together.layout is models[0].layout and together.flat.shape == (3, 1, together.layout.size)
    assert list(together) == list(models[0])
    for key, value in together.items():
        expected = np.stack([model[key] for model in models])
        assert value.shape == (expected.shape if key[0] == "W" else (3, 1, expected.shape[-1]))
        assert np.array_equal(value.reshape(expected.shape), expected)
    assert not together.flat.flags.writeable and together.flat.base is None  # no writable array behind it
    assert_read_only(together)


def test_stacked_params_of_other_mappings_are_stacked_array_by_array():
    models = [per_array(fnn.init_params(SIZES, seed=seed)) for seed in range(2)]
    together = stacked(models)
    assert together.layout is None and together["W2"].shape == (2, 3, 4) and together["b2"].shape == (2, 1, 4)
    assert together == stacked([fnn.init_params(SIZES, seed=seed) for seed in range(2)])


def test_backward_of_stacked_flat_backed_params_is_flat_backed_and_bitwise_the_per_array_gradient():
    models = [fnn.init_params(SIZES, seed=seed) for seed in range(3)]
    x = np.random.default_rng(6).normal(size=(3, 5, 2))
    grads = grads_for(stacked(models), x)
    expected = grads_for(stacked([per_array(model) for model in models]), x)
    assert grads.layout is models[0].layout and grads.flat.shape == (3, 1, grads.layout.size)
    assert expected.layout is None
    assert all(np.array_equal(grads[key], expected[key]) for key in expected)
    assert_read_only(grads)


def test_a_stacked_run_stays_flat_backed():
    models = [fnn.init_params(SIZES, seed=seed) for seed in range(2)]
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(2, 6, 2)), rng.integers(0, 2, (2, 6, 1)).astype(np.float64)
    rates = np.array([0.1, 0.2]).reshape(2, 1, 1)
    for record in fnn.train(stacked(models), x, y, optimizer=fnn.builtin.optimizers.adam(rates), epochs=3):
        assert record.params.layout is models[0].layout and record.loss.shape == (2,)
        assert all(buffer.layout is models[0].layout for buffer in record.state if isinstance(buffer, fnn.Params))


@pytest.mark.parametrize("kind", ["one", "stacked", "per-array"])
def test_filled_like_holds_each_keys_value_laid_out_like_its_model(kind):
    models = [fnn.init_params(SIZES, seed=seed) for seed in range(2)]
    model = {"one": models[0], "stacked": stacked(models), "per-array": per_array(models[0])}[kind]
    mask = fnn.core.params.filled_like(model, lambda key: float(key.startswith("W")))
    assert mask.layout is model.layout and list(mask) == list(model)
    for key, value in model.items():
        assert np.array_equal(mask[key], np.full_like(value, key.startswith("W")))
    assert_read_only(mask)
