"""``edgesim model import FILE.onnx [--name N] [--out net.yaml]``: a model profile from an ONNX graph.

Prints the operations by operator class, parameters, activation bytes and layer count; ``--out`` writes a
catalog file (``models: {NAME: ...}``, :func:`edgesim.profiles.onnx_import.catalog_entry`) with the model's op
count, input size, parameters and its operator-class ``profile:``, every number naming its source. A scenario
with ``catalog_files: [net.yaml]`` and ``models: [{name: det, catalog: NAME}]`` then runs the model with that
profile. Bad input (missing file, not an ONNX model, onnx not installed, a name a catalog cannot hold, a graph
with no counted operations, an unwritable ``--out``) prints one line ``edgesim: error: FILE: problem`` and
returns 2.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from edgesim.errors import EdgesimError
from edgesim.physics.profile import OP_CLASSES, ModelProfile
from edgesim.profiles.onnx_import import catalog_entry, profile_from_onnx

__all__ = ["EXIT_BAD_INPUT", "main", "register", "render_profile", "write_catalog_file"]

EXIT_BAD_INPUT = 2
_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")  # a catalog entry's name (edgesim.catalog.loader)


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``model import`` on an argparse ``subparsers`` object; returns the ``model`` parser."""
    model = subparsers.add_parser("model", help="model profiles: import an ONNX graph")
    sub = model.add_subparsers(dest="model_command", required=True, metavar="SUBCOMMAND")
    imp = sub.add_parser("import", help="count an ONNX model's ops by operator class, parameters and activations")
    imp.add_argument("file", metavar="FILE.onnx", help="ONNX model (fixed input size; a symbolic batch is taken as 1)")
    imp.add_argument("--name", help="model name in the catalog file (default: the file's stem)")
    imp.add_argument("--out", help="write a catalog file (models: {NAME: ...} with its profile) for a scenario's catalog_files")
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


def write_catalog_file(profile: ModelProfile, onnx_file: str, out: str | Path) -> Path:
    """Write the catalog file of ``profile`` (counted from ``onnx_file``) to ``out``; returns its path.

    Raises
    ------
    EdgesimError
        When the name cannot be a catalog entry's, the graph has no counted operations, or ``out`` cannot be written.
    """
    if not _NAME_RE.match(profile.name):
        raise EdgesimError(f"{onnx_file}: --name: {profile.name!r} cannot name a catalog model (letters, digits, '_', '.', "
                           "'-'); give --name")
    try:
        digest = hashlib.sha256(Path(onnx_file).read_bytes()).hexdigest()
    except OSError:
        digest = None
    entry = catalog_entry(profile, onnx_file, digest)
    header = (f"# edgesim catalog file, written by `edgesim model import {onnx_file}`: one model and its operator-class\n"
              f"# profile. Use it from a scenario: catalog_files: [{Path(out).name}] and models: [{{name: ..., catalog: {profile.name}}}].\n"
              "# Every number's source is in the entry's `sources`; the counting: edgesim/profiles/onnx_import.py.\n")
    body = yaml.safe_dump({"models": {profile.name: entry}}, sort_keys=False, width=120, allow_unicode=True)
    path = Path(out)
    try:
        path.write_text(header + body, encoding="utf-8")
    except OSError as exc:
        raise EdgesimError(f"{out}: --out: cannot write ({exc.strerror or exc})") from None
    return path


def main(args: argparse.Namespace) -> int:
    """Run ``edgesim model import``; returns 0, or 2 after one ``edgesim: error:`` line on bad input."""
    try:
        profile = profile_from_onnx(args.file, name=args.name)
        print(render_profile(profile))
        if args.out:
            write_catalog_file(profile, args.file, args.out)
            print(f"wrote {args.out} (a catalog file: catalog_files: [{args.out}], catalog: {profile.name})")
    except EdgesimError as exc:
        print(f"edgesim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0
