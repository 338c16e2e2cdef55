"""The baselines fnn is measured against, each written as a competent engineer would write it.

Every baseline trains a sigmoid network with MSE loss by full-batch gradient
descent from the initial parameters it is given (fnn's ``W1, b1, ...``),
computes the loss every epoch (as fnn does; fnn also computes the accuracy),
and returns the loss of its final parameters, so a benchmark can check that
all of them reach the same number.

- (a) :func:`lab_style`: the lab's classic implementation: ``Layer``,
  ``SigmoidLayer`` and ``Network`` objects, weights updated in place, the
  sigmoid recomputed in the backward pass.
- (b) :func:`fused`: one hand-fused NumPy loop for two hidden layers, no
  abstraction, in-place arithmetic and the cheapest calls for tiny arrays
  (``ndarray.dot``): the practical limit of NumPy for this net.
  It computes the gradient, then takes the SGD step, as fnn does (so both
  reach the same parameters); folding the learning rate into the deltas
  would save six multiplications an epoch (about 10% on xor).
- (c) :func:`torch_sgd`: idiomatic PyTorch (``nn.Sequential``, ``MSELoss``,
  ``optim.SGD``) in float64 on one CPU thread; :data:`TORCH` says whether
  torch is installed.
- (d) :func:`immutable`, not a target but a yardstick: the NumPy calls of
  fnn's math (forward, loss, accuracy, backward, the SGD rule array by
  array), with fnn's arithmetic in place in arrays of its own and never in
  the parameters, in one hand-written loop: no mappings, no plugins, no flat
  vector. fnn's time over (d)'s is the price of its design.
"""

from __future__ import annotations

import importlib.util
from typing import Mapping

import numpy as np

TORCH = importlib.util.find_spec("torch") is not None
"""Whether torch is installed; it is imported on first use, so processes that do not need it start fast."""


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# (a) The lab's own style.

class Layer:
    """A fully connected layer ``inputs @ weights + bias`` that updates itself in place."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray):
        self.weights, self.bias = weights.copy(), bias.copy()

    def forward(self, inputs):
        self.inputs = inputs
        return inputs @ self.weights + self.bias

    def backward(self, grad_output, learning_rate):
        grad_input = grad_output @ self.weights.T
        self.weights -= learning_rate * (self.inputs.T @ grad_output)
        self.bias -= learning_rate * grad_output.sum(axis=0)
        return grad_input


class SigmoidLayer:
    """The sigmoid as a layer; its backward pass recomputes the sigmoid from the saved input."""

    def forward(self, inputs):
        self.inputs = inputs
        return _sigmoid(inputs)

    def backward(self, grad_output, learning_rate):
        s = _sigmoid(self.inputs)
        return grad_output * s * (1 - s)


class Network:
    """Layers in order, trained with MSE loss."""

    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad, learning_rate):
        for layer in reversed(self.layers):
            grad = layer.backward(grad, learning_rate)

    def train(self, x, y, epochs, learning_rate):
        losses = []
        for _ in range(epochs):
            output = self.forward(x)
            losses.append(np.mean((output - y) ** 2))
            self.backward(2 * (output - y) / len(y), learning_rate)
        return losses


def lab_style(params: Mapping[str, np.ndarray], x, y, epochs: int, learning_rate: float) -> float:
    """(a) Train a :class:`Network` of ``Layer`` and ``SigmoidLayer`` objects; the final loss."""
    layers = []
    for i in range(1, len(params) // 2 + 1):
        layers += [Layer(params[f"W{i}"], params[f"b{i}"]), SigmoidLayer()]
    network = Network(layers)
    network.train(x, y, epochs, learning_rate)
    return float(np.mean((network.forward(x) - y) ** 2))


# (b) One hand-fused loop.

def _sigmoid_in_place(z):
    np.exp(np.negative(z, out=z), out=z)
    z += 1.0
    return np.reciprocal(z, out=z)


def fused(params: Mapping[str, np.ndarray], x, y, epochs: int, learning_rate: float) -> float:
    """(b) Train a net with two hidden layers in one loop of in-place NumPy calls; the final loss.

    ``ndarray.dot`` rather than ``@`` and a product with a row of ones rather
    than ``sum(axis=0)``: on arrays this small both are about twice as fast.
    """
    W1, b1, W2, b2, W3, b3 = (params[key].copy() for key in ("W1", "b1", "W2", "b2", "W3", "b3"))
    lr, scale, count = learning_rate, 2.0 / y.size, y.size
    ones = np.ones(len(x))
    losses = np.empty(epochs)
    for epoch in range(epochs):
        z1 = x.dot(W1)
        z1 += b1
        a1 = _sigmoid_in_place(z1)
        z2 = a1.dot(W2)
        z2 += b2
        a2 = _sigmoid_in_place(z2)
        z3 = a2.dot(W3)
        z3 += b3
        a3 = _sigmoid_in_place(z3)
        delta3 = a3 - y
        losses[epoch] = np.vdot(delta3, delta3) / count
        delta3 *= scale
        delta3 *= a3
        delta3 *= 1.0 - a3
        delta2 = delta3.dot(W3.T)
        delta2 *= a2
        delta2 *= 1.0 - a2
        delta1 = delta2.dot(W2.T)
        delta1 *= a1
        delta1 *= 1.0 - a1
        W3 -= lr * a2.T.dot(delta3)
        b3 -= lr * ones.dot(delta3)
        W2 -= lr * a1.T.dot(delta2)
        b2 -= lr * ones.dot(delta2)
        W1 -= lr * x.T.dot(delta1)
        b1 -= lr * ones.dot(delta1)
    error = _sigmoid(_sigmoid(_sigmoid(x @ W1 + b1) @ W2 + b2) @ W3 + b3) - y
    return float(np.vdot(error, error) / count)


# (d) fnn's arithmetic, with nothing around it.

def immutable(params: Mapping[str, np.ndarray], x, y, epochs: int, learning_rate: float) -> float:
    """(d) The NumPy calls fnn makes for a net with two hidden layers, in one loop; the final loss."""
    W1, b1, W2, b2, W3, b3 = (params[key] for key in ("W1", "b1", "W2", "b2", "W3", "b3"))
    lr, count, ones = learning_rate, y.size, np.ones(len(x))
    one, ceiling, half = (np.array(value, dtype=x.dtype) for value in (1.0, 709.0, 0.5))  # fnn's 0-d constants
    labels = y >= half

    def layer(a, W, b):
        z = a.dot(W)
        z += b
        e = np.exp(np.minimum(z, ceiling))
        e /= one + e
        return e

    def delta(a, grad_a):
        grad_z = one - a
        grad_z *= a
        grad_z *= grad_a
        return grad_z

    def loss_and_grad(a):
        error = a - y
        row = error.ravel()
        loss = float(row.dot(row)) / count
        error *= 2.0 / count
        return loss, error

    a1 = layer(x, W1, b1)
    a2 = layer(a1, W2, b2)
    a3 = layer(a2, W3, b3)
    losses, accuracies = [], []
    grad_y = loss_and_grad(a3)[1]
    for _ in range(epochs):
        delta3 = delta(a3, grad_y)
        delta2 = delta(a2, delta3.dot(W3.T))
        delta1 = delta(a1, delta2.dot(W2.T))
        W3, b3 = W3 + -lr * a2.T.dot(delta3), b3 + -lr * ones.dot(delta3)
        W2, b2 = W2 + -lr * a1.T.dot(delta2), b2 + -lr * ones.dot(delta2)
        W1, b1 = W1 + -lr * x.T.dot(delta1), b1 + -lr * ones.dot(delta1)
        a1 = layer(x, W1, b1)
        a2 = layer(a1, W2, b2)
        a3 = layer(a2, W3, b3)
        loss, grad_y = loss_and_grad(a3)
        losses.append(loss)
        accuracies.append(np.count_nonzero((a3 >= half) == labels) / count)
    return losses[-1]


# (c) PyTorch.

def torch_sgd(params: Mapping[str, np.ndarray], x, y, epochs: int, learning_rate: float) -> float:
    """(c) Train an ``nn.Sequential`` of ``Linear`` and ``Sigmoid`` with ``optim.SGD`` on one thread; the final loss."""
    import torch

    torch.set_num_threads(1)
    layers = []
    for i in range(1, len(params) // 2 + 1):
        weights = torch.tensor(params[f"W{i}"].T)
        linear = torch.nn.Linear(*weights.shape[::-1], dtype=weights.dtype)
        with torch.no_grad():
            linear.weight.copy_(weights)
            linear.bias.copy_(torch.tensor(params[f"b{i}"]))
        layers += [linear, torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    mse = torch.nn.MSELoss()
    inputs, targets = torch.tensor(x), torch.tensor(y)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = mse(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        return mse(model(inputs), targets).item()
