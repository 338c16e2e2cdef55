"""The parameters of a few epochs, kept while a run trains, for the training animation (``--animate``).

The loop is left as it is: :class:`FrameKeeper` is an ``on_epoch`` callback that keeps a reference to the
(immutable) parameters of about :data:`fnn.figures.views.FRAMES` chosen epochs, so keeping them costs a set
lookup per epoch. ``frames.npz`` in a run folder holds them, so ``fnn plot --animate`` can draw again later.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import numpy as np

from fnn.core.params import Params
from fnn.figures.views import FRAMES, frame_epochs
from fnn.runs.training import Epoch


class Frames(NamedTuple):
    """The epochs of the frames, in order, and each one's parameters."""

    epochs: tuple[int, ...]
    params: tuple[Params, ...]


class FrameKeeper:
    """``on_epoch`` callback keeping the parameters of the chosen epochs of an ``epochs``-long run."""

    def __init__(self, epochs: int, count: int = FRAMES):
        self.wanted = set(frame_epochs(epochs, count).tolist())
        self.kept: dict[int, Params] = {}

    def __call__(self, record: Epoch) -> None:
        if record.epoch in self.wanted:
            self.kept[record.epoch] = record.params

    def frames(self, final: Epoch | None = None) -> Frames:
        """The kept frames, with ``final`` (the run's last or restored epoch) as the last one when given, so
        the animation ends where the run did, also when it stopped early."""
        kept = dict(self.kept)
        if final is not None:
            kept = {epoch: params for epoch, params in kept.items() if epoch < final.epoch}
            kept[final.epoch] = final.params
        epochs = tuple(sorted(kept))
        return Frames(epochs, tuple(kept[epoch] for epoch in epochs))


def save_frames(path: str | os.PathLike, frames: Frames) -> None:
    """Write ``frames`` as ``.npz``: ``epochs`` and, for each parameter, its arrays stacked along the frames."""
    arrays: dict[str, Any] = {key: np.stack([np.asarray(p[key]) for p in frames.params]) for key in frames.params[0]}
    np.savez_compressed(path, epochs=np.array(frames.epochs), **arrays)


def load_frames(path: str | os.PathLike) -> Frames:
    """The frames :func:`save_frames` wrote (no pickles are read)."""
    with np.load(path, allow_pickle=False) as archive:
        epochs = archive["epochs"]
        stacks = {key: archive[key] for key in archive.files if key != "epochs"}
    params = tuple(Params({key: stacks[key][i] for key in stacks}) for i in range(len(epochs)))
    return Frames(tuple(int(e) for e in epochs), params)
