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
from fnn import ConfigError, Params
from fnn.core.params import stacked, unstacked

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


# ------------------------------------------------------------- one form, one map

def test_params_hold_any_real_arrays_of_one_floating_dtype():
    # Keys need not be identifiers, and scalars, empty arrays and any byte order keep their shapes and values.
    for arrays in ({"only": np.arange(6.0).reshape(2, 3)},
                   {"": np.float32(2.5), "a b": np.ones((0, 3), dtype=np.float32), "W": np.ones((2, 2), np.float32)},
                   {"x": np.arange(3.0).astype(">f8"), "y": np.eye(2).astype(">f8")}):
        params = fnn.Params(arrays)
        assert list(params) == list(arrays)
        for key, value in arrays.items():
            assert params[key].shape == np.shape(value) and params[key].dtype.type is np.asarray(value).dtype.type
            assert np.array_equal(params[key], value)
        assert_read_only(params)


def test_integer_arrays_take_the_floating_dtype_of_the_others():
    assert fnn.Params({"W": np.ones(2, np.float32), "n": np.arange(3)})["n"].dtype == np.float32
    assert fnn.Params({"n": np.arange(3), "t": np.array([True])})["t"].dtype == np.float64
    assert fnn.Params({}) == {} and fnn.Params() == {}


@pytest.mark.parametrize("arrays,message", [
    ({"W1": np.ones((2, 3), dtype=np.float32), "b1": np.zeros(3)},
     "one floating-point type, but W1 is float32, b1 is float64"),
    ({"W1": np.ones(2, dtype=complex)}, "W1 holds complex128; parameters must be real numbers"),
    ({"W1": np.array(["a"])}, "parameters must be real numbers"),
])
def test_mixed_floating_types_and_other_numbers_are_refused(arrays, message):
    with pytest.raises(fnn.ConfigError, match=message):
        fnn.Params(arrays)


def by_array(fn, tree, *rest):
    """The plain formula tree_map must equal: ``fn`` on each key's arrays."""
    return {key: fn(value, *(other[key] for other in rest)) for key, value in tree.items()}


ELEMENTWISE = [
    (np.add, 2), (lambda u: -0.1 * u, 1), (lambda g, m: 0.9 * m + (1.0 - 0.9) * g, 2),
    (lambda m, v: m / 0.1 / (np.sqrt(v) / 0.3 + 1e-8), 2), (lambda g, p, w: g + 0.01 * (w * p), 3),
]


@pytest.mark.parametrize("fn,count", ELEMENTWISE)
@pytest.mark.parametrize("kind", ["one", "stacked"])
def test_tree_map_runs_fn_once_on_the_vector_and_gives_the_per_array_bits(fn, count, kind):
    models = [[fnn.init_params(SIZES, seed=10 * t + m) for m in range(3)] for t in range(count)]
    trees = [tree[0] if kind == "one" else stacked(tree) for tree in models]
    trees = [fnn.core.params.tree_map(np.abs, tree) for tree in trees]  # so that sqrt(v) is a number
    result = fnn.core.params.tree_map(fn, *trees)
    expected = by_array(fn, *trees)
    assert list(result) == list(expected) and all(np.array_equal(result[k], expected[k]) for k in expected)
    assert result == fnn.core.params.tree_map(fn, *(dict(tree) for tree in trees))  # plain dicts: array by array
    assert_read_only(result)


def test_tree_map_broadcasts_per_model_numbers_over_stacked_params_only():
    models = [fnn.init_params(SIZES, seed=seed) for seed in range(2)]
    rates = np.array([0.1, 0.2]).reshape(2, 1, 1)
    steps = fnn.core.params.tree_map(lambda u: -rates * u, stacked(models))
    assert all(np.array_equal(steps[key][m].reshape(model[key].shape), -rates[m, 0, 0] * model[key])
               for m, model in enumerate(models) for key in model)
    with pytest.raises(fnn.ConfigError, match="element by element"):
        fnn.core.params.tree_map(lambda u: -rates * u, models[0])


def test_tree_map_names_both_structures_when_they_differ():
    with pytest.raises(fnn.ConfigError, match=r"mismatched structures: .*W1: \(2, 3\).* vs .*W1: \(2, 5\)"):
        fnn.core.params.tree_map(np.add, fnn.init_params((2, 3, 1)), fnn.init_params((2, 5, 1)))


def test_the_views_of_the_vector_are_its_slices():
    # The record trick of _Layout.views (fields of one record over the vector) against slicing and reshaping it.
    for params in (fnn.init_params(SIZES, seed=1), stacked([fnn.init_params(SIZES, seed=s) for s in range(3)])):
        vector, layout = params._vector, params._layout
        start = 0
        for key, shape in zip(layout.keys, layout.stacked_shapes if vector.ndim == 3 else layout.shapes):
            size = int(np.prod(shape))
            expected = vector[..., start:start + size].reshape(vector.shape[:1] + shape if vector.ndim == 3 else shape)
            assert np.array_equal(params[key], expected) and np.shares_memory(params[key], vector)
            start += size


def test_flat_is_deprecated():
    params = fnn.init_params(SIZES)
    with pytest.warns(DeprecationWarning, match="tree_map"):
        assert params.flat.shape == (sum(value.size for value in params.values()),)


def test_backward_gives_the_gradients_in_the_parameters_order():
    params, x = fnn.init_params(SIZES, seed=3), np.random.default_rng(3).normal(size=(6, 2))
    grads = grads_for(params, x)
    assert list(grads) == list(params) and all(grads[k].shape == params[k].shape for k in params)
    assert_read_only(grads)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizers_give_the_same_bits_on_params_as_on_plain_dicts(name):
    # Params take tree_map's one-vector path, plain dicts its per-array one.
    rng = np.random.default_rng(5)
    optimizer = REGISTRY.optimizer(name).make(learning_rate=0.05)
    runs = []
    for wrap in (lambda tree: tree, dict):
        params = fnn.init_params(SIZES, seed=5)
        state = optimizer.init(params)
        for _ in range(4):
            grads = wrap(fnn.Params({key: rng.normal(size=value.shape) for key, value in params.items()}))
            updates, state = optimizer.update(grads, state, wrap(params))
            params = fnn.apply_updates(params, wrap(updates))
        runs.append((params, state))
        rng = np.random.default_rng(5)
    (one, one_state), (arrays, array_state) = runs
    assert all(np.array_equal(one[key], arrays[key]) for key in one)
    assert [a.tobytes() for a in arrays_in(one_state)] == [a.tobytes() for a in arrays_in(array_state)]
    assert_read_only(one)
    for array in arrays_in(one_state):
        assert_array_read_only(array)


# ------------------------------------------------------- stacked, as fnn sweep trains

def test_stacked_params_have_a_leading_model_axis_and_biases_broadcast_over_the_points():
    models = [fnn.init_params(SIZES, seed=seed) for seed in range(3)]
    together = stacked(models)
    assert list(together) == list(models[0])
    for key, value in together.items():
        expected = np.stack([model[key] for model in models])
        assert value.shape == (expected.shape if key[0] == "W" else (3, 1, expected.shape[-1]))
        assert np.array_equal(value.reshape(expected.shape), expected)
    assert together._vector.base is None  # no writable array behind the read-only one
    assert_read_only(together)
    assert stacked([dict(model) for model in models]) == together


def test_stacked_refuses_networks_of_other_shapes_and_stacked_ones():
    with pytest.raises(fnn.ConfigError, match="mismatched structures"):
        stacked([fnn.init_params((2, 3, 1)), fnn.init_params((2, 4, 1))])
    with pytest.raises(fnn.ConfigError, match="stacked already"):
        stacked([stacked([fnn.init_params(SIZES)])])


def test_unstacked_gives_back_each_model_with_its_own_arrays_and_shapes():
    models = [fnn.init_params(SIZES, seed=seed) for seed in range(3)]
    together = stacked(models)
    apart = unstacked(together)
    assert apart == models and all(apart[m][k].shape == models[m][k].shape for m in range(3) for k in models[m])
    for model in apart:
        assert_read_only(model)
        assert not any(np.shares_memory(value, together["W1"]) for value in model.values())
    with pytest.raises(fnn.ConfigError, match="stacked parameters"):
        unstacked(models[0])


def test_a_stacked_mapping_is_stacked_params_as_stacked_makes_them():
    models = [fnn.init_params(SIZES, seed=seed) for seed in range(2)]
    together = stacked(models)
    rebuilt = fnn.Params(dict(together))
    rates = np.array([0.1, 0.2]).reshape(2, 1, 1)
    assert rebuilt == together
    assert fnn.core.params.tree_map(lambda p, q: p - rates * q, rebuilt, together) == by_array(
        lambda p, q: p - rates * q, together, together)
    assert [model["b1"].shape for model in unstacked(rebuilt)] == [(1, 3)] * 2  # its own shapes: (M, 1, n) minus M


def test_pickle_keeps_stacked_params_stacked():
    together = stacked([fnn.init_params(SIZES, seed=seed) for seed in range(2)])
    restored = pickle.loads(pickle.dumps(together))
    assert restored == together and unstacked(restored) == unstacked(together)
    assert_read_only(restored)


def test_backward_of_stacked_params_is_each_models_gradient():
    models = [fnn.init_params(SIZES, seed=seed) for seed in range(3)]
    x = np.random.default_rng(6).normal(size=(3, 5, 2))
    grads = unstacked(grads_for(stacked(models), x))
    for model, points, grad in zip(models, x, grads):
        expected = grads_for(model, points)
        assert all(np.allclose(grad[key], expected[key], rtol=1e-13, atol=1e-15) for key in model)


def test_a_stacked_run_with_per_model_rates_trains_each_model_as_alone():
    models = [fnn.init_params(SIZES, seed=seed) for seed in range(2)]
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(2, 6, 2)), rng.integers(0, 2, (2, 6, 1)).astype(np.float64)
    rates = np.array([0.1, 0.2]).reshape(2, 1, 1)
    *_, record = fnn.train(stacked(models), x, y, optimizer=fnn.builtin.optimizers.adam(rates), epochs=3, l2=0.01)
    assert record.loss.shape == (2,)
    for m, model in enumerate(models):
        *_, alone = fnn.train(model, x[m], y[m], optimizer=fnn.builtin.optimizers.adam(rates[m, 0, 0]), epochs=3,
                              l2=0.01)
        final = unstacked(record.params)[m]
        assert all(np.allclose(final[key], alone.params[key], rtol=1e-12, atol=1e-14) for key in model)


def test_params_like_takes_the_structure_and_dtype_of_another():
    params = fnn.init_params((2, 3, 1), seed=0, dtype="float32")
    grads = {key: np.ones(value.shape) for key, value in params.items()}  # float64, as a plugin might give
    made = Params(grads, like=params)
    assert made == Params({key: np.ones(value.shape, dtype=np.float32) for key, value in params.items()})
    assert all(value.dtype == np.float32 and not value.flags.writeable for value in made.values())
    assert Params(grads, like=dict(params)) == made  # a plain mapping as the model works too
    stacked_params = stacked([params, params])
    stacked_grads = {key: np.stack([grads[key]] * 2).reshape(value.shape) for key, value in stacked_params.items()}
    assert unstacked(Params(stacked_grads, like=stacked_params))[1] == made


@pytest.mark.parametrize("change", ["shape", "key"])
def test_params_like_refuses_another_structure(change):
    params = fnn.init_params((2, 3, 1), seed=0)
    grads = {key: np.ones(value.shape) for key, value in params.items()}
    if change == "shape":
        grads["W1"] = np.ones((3, 2))
    else:
        grads["W9"] = grads.pop("b2")
    with pytest.raises(ConfigError, match="not laid out like"):
        Params(grads, like=params)
