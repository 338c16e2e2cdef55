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
