"""Torch helpers shared by the Torch and the transformers adapters: the target
tensor and the per-sample loss of a head, and an eval-mode view of a module."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._heads import SOFTMAX


def target_tensor(torch, values: np.ndarray, head: str):
    """Codes for a softmax head; float 0/1 of shape ``(n, width)`` otherwise."""
    if head == SOFTMAX:
        return torch.from_numpy(values)
    values = values.astype(np.float32)
    return torch.from_numpy(values.reshape(len(values), -1))


def per_sample_loss(torch, head: str, logits: bool):
    """``loss(out, yb)`` of each sample, for the head and the output kind."""
    F = torch.nn.functional
    if head == SOFTMAX and logits:
        return lambda out, yb: F.cross_entropy(out, yb, reduction="none")
    if head == SOFTMAX:
        tiny = torch.finfo(torch.float32).tiny
        return lambda out, yb: F.nll_loss(
            torch.log(out.clamp_min(tiny)), yb, reduction="none"
        )
    bce = F.binary_cross_entropy_with_logits if logits else F.binary_cross_entropy
    return lambda out, yb: bce(out, yb, reduction="none").mean(dim=1)


class NeedsCopy(Exception):
    """A module that cannot be viewed (TorchScript): evaluate a private copy."""


def eval_view(torch, module):
    """``module`` as new Module objects in eval mode sharing its tensors.

    Each submodule is re-created with ``object.__new__`` and a shallow copy of its
    ``__dict__``: parameters, buffers and hooks are the very same objects, only the
    ``training`` flag and the containers are the view's own. Nothing is written to
    ``module`` or its submodules. A ``torch.compile`` wrapper is replaced by the
    module it compiles (its compiled forward is bound to the original objects).
    """
    script = torch.jit.ScriptModule
    memo: dict[int, Any] = {}

    def view(mod):
        mod = uncompiled(mod)
        if isinstance(mod, script):
            raise NeedsCopy
        key = id(mod)
        if key in memo:  # a submodule used twice stays one object
            return memo[key]
        twin = object.__new__(type(mod))
        state = twin.__dict__
        state.update(mod.__dict__)
        memo[key] = twin
        # The twin gets its own copies of Torch's containers, taken from the
        # state just copied -- not named_parameters / named_buffers /
        # named_children: those skip None entries (Linear(bias=False) keeps
        # "bias": None, which forward reads) and a child or tensor registered
        # under two names, so the view would lose attributes its forward uses.
        state["_parameters"] = dict(state["_parameters"])
        state["_buffers"] = dict(state["_buffers"])
        state["_modules"] = {
            name: None if child is None else view(child)
            for name, child in state["_modules"].items()
        }
        state["training"] = False
        return twin

    return view(module)


def uncompiled(module: Any) -> Any:
    """The module inside a ``torch.compile`` wrapper (the module itself otherwise)."""
    # torch.compile's wrapper has no public accessor for the module it wraps.
    while type(module).__name__ == "OptimizedModule" and hasattr(module, "_orig_mod"):
        module = module._orig_mod
    return module
