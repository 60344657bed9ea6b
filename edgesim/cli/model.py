"""``edgesim model import FILE.onnx [--name N] [--out profile.yaml]``: a model profile from an ONNX graph.

Prints the operations by operator class, parameters, activation bytes and layer count; ``--out`` writes the
profile in the format of ``edgesim/catalog/data/profiles.yaml`` (readable by
:func:`edgesim.profiles.load_profiles`). Bad input (missing file, not an ONNX model, onnx not installed, an
unwritable ``--out``) prints one line ``edgesim: error: FILE: problem`` and returns 2.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from edgesim.errors import EdgesimError
from edgesim.physics.profile import OP_CLASSES, ModelProfile
from edgesim.profiles.catalog_profiles import dump_profiles
from edgesim.profiles.onnx_import import profile_from_onnx

__all__ = ["EXIT_BAD_INPUT", "main", "register", "render_profile"]

EXIT_BAD_INPUT = 2


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``model import`` on an argparse ``subparsers`` object; returns the ``model`` parser."""
    model = subparsers.add_parser("model", help="model profiles: import an ONNX graph")
    sub = model.add_subparsers(dest="model_command", required=True, metavar="SUBCOMMAND")
    imp = sub.add_parser("import", help="count an ONNX model's ops by operator class, parameters and activations")
    imp.add_argument("file", metavar="FILE.onnx", help="ONNX model (fixed input size; a symbolic batch is taken as 1)")
    imp.add_argument("--name", help="profile name (default: the file's stem)")
    imp.add_argument("--out", help="write the profile as YAML (profiles.yaml format) to this file")
    imp.set_defaults(func=main)
    return model


def render_profile(profile: ModelProfile) -> str:
    """The human-readable summary of a profile."""
    total = profile.total_ops or 1.0
    lines = [f"model {profile.name}: input {profile.ref_width_px} x {profile.ref_height_px} px"
             + ("" if profile.pixel_scaled else " (not pixel-scaled)"),
             f"  {'class':<12} {'G ops':>10} {'share %':>8}"]
    for cls in OP_CLASSES:
        ops = profile.ops_by_class.get(cls, 0.0)
        if ops:
            lines.append(f"  {cls:<12} {ops / 1e9:>10.4f} {100 * ops / total:>8.2f}")
    lines += [f"  {'total':<12} {profile.total_ops / 1e9:>10.4f}",
              f"  params {profile.params / 1e6:.4f} M (weights: int8 {profile.weight_bytes(1) / 2**20:.2f} MiB, "
              f"fp16 {profile.weight_bytes(2) / 2**20:.2f} MiB, fp32 {profile.weight_bytes(4) / 2**20:.2f} MiB)",
              f"  activations {profile.activation_bytes_int8 / 2**20:.3f} MiB per inference at int8, largest layer "
              f"{profile.max_layer_activation_bytes_int8 / 2**20:.3f} MiB; {profile.n_layers} compute layers"]
    if profile.extra.get("uncounted_ops"):
        lines.append(f"  not counted (unknown operator types): {profile.extra['uncounted_ops']}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """Run ``edgesim model import``; returns 0, or 2 after one ``edgesim: error:`` line on bad input."""
    try:
        profile = profile_from_onnx(args.file, name=args.name)
        print(render_profile(profile))
        if args.out:
            try:
                dump_profiles({profile.name: profile}, args.out)
            except OSError as exc:
                raise EdgesimError(f"{args.out}: --out: cannot write ({exc.strerror or exc})") from None
            print(f"wrote {args.out}")
    except EdgesimError as exc:
        print(f"edgesim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0
