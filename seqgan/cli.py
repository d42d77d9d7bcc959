"""The ``seqgan`` command: fit, sample, datasets, bench, tune. Thin: parses, calls the public
API."""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seqgan.models._registry import available_models, get_model

if TYPE_CHECKING:  # imported where used: `seqgan --help` stays fast (issue 23)
    import numpy as np
    import pandas as pd

MODEL_FILE = "model.seqgan"
#: `seqgan sample` without -o writes this file into the run folder.
SAMPLES_FILE = "samples.csv"
#: `seqgan report` without -o writes into this folder of the run folder.
REPORT_DIR = "report"
#: `seqgan report --holdout` writes the privacy report into this folder of the report folder.
PRIVACY_DIR = "privacy"
#: What `seqgan fit` trains without --model.
DEFAULT_MODEL = "r3gan"


def _parse_value(text: str) -> Any:
    """Command-line text -> int, float, None, a comma-separated list, JSON or str (validation
    happens in the model)."""
    if text.lower() in ("none", "null"):
        return None
    if "," in text and text[:1] not in "[{":  # a list, e.g. --channels 32,64
        return [_parse_value(part.strip()) for part in text.split(",") if part.strip()]
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    return text


#: Help of the options every model shares, where a model's docstring does not describe them.
_COMMON_HELP = {
    "seq_len": "training length (None: the longest training sequence)",
    "n_iter": "training iterations",
    "batch_size": "sequences per training batch",
    "lr_g": "learning rate of the generator",
    "lr_d": "learning rate of the discriminator",
    "optimizer_g": "optimizer of the generator: adam, adamw, rmsprop or sgd",
    "optimizer_d": "optimizer of the discriminator: adam, adamw, rmsprop or sgd",
    "d_steps": "discriminator steps per iteration",
    "g_steps": "generator steps per iteration",
    "scaling": "per-feature scaling: minmax (to [0, 1]), standard, or none",
    "device": "auto (CUDA when available), cpu or cuda",
    "random_state": "seed of weights, batches and noise",
    "verbose": "show progress bars",
    "loss": "adversarial objective (see seqgan.losses.available_losses())",
    "regularizers": 'JSON, e.g. \'{"r1": 1.0}\' (see docs/losses.md)',
    "ema": "decay of the generator's weight average used for sampling (none: raw weights)",
    "spectral_norm": "spectral normalisation of the discriminator",
    "diagnostics_every": "iterations between diversity diagnostics (none: never)",
    "augment": "differentiable augmentation of what the discriminator sees (docs/training.md)",
    "optimizer_kwargs": "JSON keyword arguments of the optimizers, e.g. "
                        '\'{"betas": [0.5, 0.9]}\'',
    "lr_schedule": "learning-rate schedule over training: linear or cosine (none: constant)",
    "balance": "adapt the discriminator's learning rate to its accuracy (or JSON options)",
    "generator_update": "AIS/DRE generator update (Python API only; docs/ais.md)",
}


def _param_help(cls: type) -> dict[str, str]:
    """The first sentence of each parameter's description in the numpydoc ``Parameters``
    section of ``cls``'s docstring (names listed together share it), with ``_COMMON_HELP``
    for the shared options a docstring does not describe. A subclass inherits the descriptions
    of its base classes (CGAN documents only what differs from DCGAN)."""
    merged = dict(_COMMON_HELP)
    for klass in reversed(cls.__mro__):
        if "__doc__" in vars(klass) and klass.__module__.startswith("seqgan."):
            merged.update(_docstring_help(klass.__doc__ or ""))
    return merged


def _docstring_help(docstring: str) -> dict[str, str]:
    """Parameter name -> first sentence of its description, from one numpydoc docstring."""
    doc = inspect.cleandoc(docstring)
    lines = doc.splitlines()
    try:
        start = next(i for i, line in enumerate(lines)
                     if line.strip() == "Parameters" and lines[i + 1].startswith("---")) + 2
    except (StopIteration, IndexError):
        return {}
    found: dict[str, str] = {}
    names: list[str] = []
    kind, text = "", []

    def flush() -> None:
        sentence = re.split(r"(?<!\bal)\.\s+(?=[A-Z(`])", " ".join(text))[0]
        sentence = sentence.replace("``", "").strip().rstrip(".")
        if sentence.startswith(("Training options", "As every model")):
            sentence = ""
        for name in names:
            found[name] = sentence or _COMMON_HELP.get(name) or kind.strip()
        text.clear()

    for line in lines[start:]:
        if line and not line.startswith(" "):
            if line.rstrip().endswith("-") and set(line.strip()) == {"-"}:
                break  # the next section's underline: its title was read as a name
            flush()
            head, _, kind = line.partition(" : ")
            names = [n.strip() for n in head.split(",") if n.strip()]
        elif line.strip():
            text.append(line.strip())
    flush()
    return {k: v for k, v in found.items() if v}


def _add_model_options(parser: argparse.ArgumentParser, cls: type) -> list[str]:
    group = parser.add_argument_group(f"{cls.__name__} hyperparameters")
    described = _param_help(cls)
    names = []
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or param.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        flag = "--" + name.replace("_", "-")
        text = described.get(name, "")
        text = text.replace("%", "%%") + " " if text else ""
        if isinstance(param.default, bool):
            group.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction,
                               default=param.default, help=f"{text}(default: {param.default})")
        else:
            # SUPPRESS: an option not given stays unset and the model keeps its own default
            # (argparse would pass a string default through _parse_value: "none" -> None)
            group.add_argument(flag, dest=name, type=_parse_value, default=argparse.SUPPRESS,
                               metavar="V", help=f"{text}(default: {param.default!r})")
        names.append(name)
    return names


def _load_data(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """Returns X and the fit keyword arguments that describe its layout."""
    from seqgan.datasets import list_datasets, load_dataset

    options = dict(_split_option(o) for o in args.data_option)
    fit_kwargs: dict[str, Any] = {}
    if args.id_column:
        fit_kwargs["id_column"] = args.id_column
    if args.time_column:
        fit_kwargs["time_column"] = args.time_column
    if getattr(args, "categorical", None):
        fit_kwargs["categorical"] = _columns(args.categorical)
    X, fit_kwargs = _read_data(args, options, fit_kwargs, list_datasets, load_dataset)
    return _per_sequence_inputs(args, X, fit_kwargs)


def _columns(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _per_sequence_inputs(args: argparse.Namespace, X: Any, fit_kwargs: dict[str, Any]
                         ) -> tuple[Any, dict[str, Any]]:
    """``--static-columns``/``--condition-column`` (long CSV: one value per sequence, moved
    out of the values) and ``--static-file``/``--condition-file`` (one row per sequence)."""
    import pandas as pd

    for kind in ("static", "condition"):
        columns = getattr(args, f"{kind}_columns", None) or getattr(args, f"{kind}_column", None)
        path = getattr(args, f"{kind}_file", None)
        if columns and path:
            raise ValueError(f"Give --{kind}-file or --{kind}-column(s), not both.")
        if columns:
            if not isinstance(X, pd.DataFrame) or not args.id_column:
                raise ValueError(f"--{kind}-column(s) picks columns of a long-format CSV (with "
                                 f"--id-column); for arrays use --{kind}-file.")
            names = _columns(columns)
            missing = [c for c in names if c not in X.columns]
            if missing:
                raise ValueError(f"--{kind}-column(s): no column {missing} in --data; its "
                                 f"columns are {list(X.columns)}.")
            per_id = X.groupby(args.id_column, sort=False)[names]
            varying = [c for c in names if (per_id.nunique(dropna=False)[c] > 1).any()]
            if varying:
                raise ValueError(f"--{kind}-column(s): {varying} change(s) within a sequence; "
                                 "a per-sequence value must be constant for each "
                                 f"{args.id_column!r}.")
            value = per_id.first()
            fit_kwargs[kind] = value if kind == "static" else value[names[0]]
            X = X.drop(columns=names)
        elif path:
            fit_kwargs[kind] = _read_table(path, f"--{kind}-file")
    return X, fit_kwargs


def _read_table(path: str, flag: str) -> np.ndarray:
    """A .npy array or a .csv table (one row per sequence)."""
    import numpy as np
    import pandas as pd

    file = Path(path)
    if not file.exists():
        raise ValueError(f"{flag} {path!r}: no such file.")
    if file.suffix == ".npy":
        return np.load(file, allow_pickle=False)
    if file.suffix == ".csv":
        table = pd.read_csv(file).to_numpy()
        return table[:, 0] if table.shape[1] == 1 else table
    raise ValueError(f"{flag} {path!r}: use a .npy or .csv file (one row per sequence).")


def _read_data(args: argparse.Namespace, options: dict[str, Any], fit_kwargs: dict[str, Any],
               list_datasets: Any, load_dataset: Any) -> tuple[Any, dict[str, Any]]:
    import numpy as np
    import pandas as pd

    names = {d.name for d in list_datasets()}
    if args.data in names:
        if args.condition_from_labels or getattr(args, "want_labels", False):
            options.setdefault("return_labels", True)
        result = load_dataset(args.data, **options)
        if isinstance(result, tuple):  # (X, labels): labels are the condition when wanted
            X, labels = result
            if args.condition_from_labels:
                fit_kwargs["condition"] = labels
            else:
                fit_kwargs["labels"] = labels
            return X, fit_kwargs
        return result, fit_kwargs
    path = Path(args.data)
    if not path.exists():
        known = ", ".join(sorted(names))
        raise ValueError(f"--data {args.data!r} is neither a dataset name ({known}) nor an "
                         "existing file.")
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False), fit_kwargs
    if path.suffix in (".csv", ".gz"):
        return pd.read_csv(path, **options), fit_kwargs
    raise ValueError(f"--data {str(path)!r}: unsupported file type {path.suffix!r}; use .csv "
                     "(long format with --id-column, or one long series) or .npy (3-D array).")


def _split_option(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise ValueError(f"--data-option takes KEY=VALUE; got {text!r}.")
    key, value = text.split("=", 1)
    return key.strip(), _parse_value(value.strip())


def _cmd_fit(args: argparse.Namespace, model_params: dict[str, Any]) -> int:
    cls = get_model(args.model)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    X, fit_kwargs = _load_data(args)
    privacy = _privacy_option(args)
    if privacy is not None:
        if model_params.get("privacy") is not None:
            raise ValueError("Give differential privacy once: --privacy-epsilon (with "
                             "--privacy-delta, ...) or --privacy JSON, not both.")
        model_params = {**model_params, "privacy": privacy}
    model = cls(**model_params)
    started = time.perf_counter()
    model.fit(X, checkpoint_dir=out, checkpoint_every=args.checkpoint_every, resume=args.resume,
              **fit_kwargs)
    seconds = time.perf_counter() - started
    model.save(out / MODEL_FILE)
    model.history_.to_csv(out / "history.csv", index=False)
    from seqgan import __version__

    run = {"command": sys.argv, "model": cls.__name__, "params": model.get_params(),
           "data": args.data, "data_options": args.data_option, "fit_seconds": seconds,
           "stopped_early": model.stopped_early_,
           "diversity": _last_diversity(model.history_), "seqgan_version": __version__,
           "python": platform.python_version(), "machine": platform.platform(),
           "torch_threads": _torch_threads(),
           "privacy_spent": getattr(model, "privacy_spent_", None),
           "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY")}
    (out / "run.json").write_text(json.dumps(run, indent=2, default=str))
    state = "stopped early (resume with --resume)" if model.stopped_early_ else "trained"
    print(f"{cls.__name__} {state} in {seconds:.1f} s; model written to {out / MODEL_FILE}")
    diversity = _last_diversity(model.history_)
    if diversity is not None:
        from seqgan.models._base import COLLAPSE_DIVERSITY

        verdict = ("collapsed? see the warning above" if diversity < COLLAPSE_DIVERSITY
                   else "about 1 is healthy, near 0 collapsed")
        print(f"diversity of the samples: {diversity:.3g} ({verdict})")
    spent = getattr(model, "privacy_spent_", None)
    if spent is not None:
        print(_privacy_line(spent))
        print("  (the model file is covered; history.csv, checkpoint.pt and the quick check "
              "below look at real data without noise: diagnostics, not for release)")
    _print_headline(model, X, out)
    return 0


def _privacy_option(args: argparse.Namespace) -> dict[str, Any] | None:
    """The ``privacy`` hyperparameter from the --privacy-* flags (None without
    --privacy-epsilon)."""
    if args.privacy_epsilon is None:
        if args.privacy_bounds is not None or args.privacy_max_grad_norm is not None:
            raise ValueError("--privacy-bounds and --privacy-max-grad-norm need "
                             "--privacy-epsilon (the privacy budget).")
        return None
    privacy: dict[str, Any] = {"epsilon": args.privacy_epsilon, "delta": args.privacy_delta}
    if args.privacy_max_grad_norm is not None:
        privacy["max_grad_norm"] = args.privacy_max_grad_norm
    if args.privacy_bounds is not None:
        parts = [p for p in args.privacy_bounds.split(",") if p.strip()]
        try:
            privacy["bounds"] = tuple(float(p) for p in parts)
        except ValueError:
            parts = []
        if len(parts) != 2:
            raise ValueError(f"--privacy-bounds must be LO,HI (two numbers, e.g. -5,5); got "
                             f"{args.privacy_bounds!r}.")
    return privacy


def _privacy_line(spent: dict[str, Any]) -> str:
    return (f"differential privacy: epsilon {spent['epsilon']:.3g} spent (delta "
            f"{spent['delta']:g}) in {spent['steps']} DP-SGD steps, noise multiplier "
            f"{spent['noise_multiplier']:.3g}, per-sample clipping at "
            f"{spent['max_grad_norm']:g}")


def _cmd_info(args: argparse.Namespace) -> int:
    from seqgan import load

    path = Path(args.run)
    model = load(path / MODEL_FILE if path.is_dir() else path)
    spec = model.spec_
    print(f"{type(model).__name__}: {spec.n_channels} channels, training length {spec.seq_len}")
    spent = getattr(model, "privacy_spent_", None)
    print(_privacy_line(spent) if spent is not None
          else "differential privacy: none (trained without privacy=...)")
    return 0


def _print_headline(model: Any, X: Any, out: Path) -> None:
    """Three quick numbers (fast budgets, at most 400 series: a few seconds) and where
    ``seqgan report`` writes the full report."""
    from seqgan._report import headline

    try:
        rows = headline(model, X)
    except (ValueError, TypeError, RuntimeError) as exc:  # e.g. a model that needs a condition
        logging.getLogger(__name__).debug("no headline numbers: %s", exc)
        rows = []
    if rows:
        print("quick check (fast budgets, a rough guide):")
        for row in rows:
            print(f"  {row.reading}")
    print(f"full report: run `seqgan report {out}` to write {out / REPORT_DIR / 'report.html'} "
          "(add --fast for a quick look)")


def _last_diversity(history: pd.DataFrame) -> float | None:
    """The last ``diagnostics/diversity`` of a history, None when it has none."""
    if "diagnostics/diversity" not in history:
        return None
    values = history["diagnostics/diversity"].dropna()
    return None if values.empty else float(values.iloc[-1])


def _command_flag(command: Sequence[str], flag: str) -> str | None:
    """The value of ``flag VALUE`` or ``flag=VALUE`` in a recorded command line (the last)."""
    value = None
    for i, arg in enumerate(command):
        if arg == flag and i + 1 < len(command):
            value = command[i + 1]
        elif arg.startswith(flag + "="):
            value = arg.split("=", 1)[1]
    return value


def _cmd_report(args: argparse.Namespace) -> int:
    from seqgan import load
    from seqgan._report import report

    path = Path(args.run)
    model_path = path / MODEL_FILE if path.is_dir() else path
    if not model_path.exists():
        raise ValueError(f"{args.run!r} holds no {MODEL_FILE}; give the folder that "
                         "`seqgan fit --out` wrote (or its .seqgan file).")
    folder = model_path.parent
    run_file = folder / "run.json"
    run = json.loads(run_file.read_text()) if run_file.exists() else {}
    if args.data is None and not run.get("data"):
        raise ValueError(f"No run.json with the training data in {str(folder)!r}: pass "
                         "--data (the dataset name or file the model was fitted on).")
    # the training data as `seqgan fit` read it: its --data, options and layout flags
    command = [] if args.data else [str(a) for a in run.get("command", [])]
    data = argparse.Namespace(
        data=args.data or run["data"],
        data_option=list(args.data_option if args.data else run.get("data_options", [])),
        condition_from_labels="--condition-from-labels" in command,
        **{flag.strip("-").replace("-", "_"): _command_flag(command, flag) for flag in (
            "--id-column", "--time-column", "--categorical", "--static-columns",
            "--static-file", "--condition-column", "--condition-file")})
    X, _ = _load_data(data)
    model = load(model_path)
    out = Path(args.output) if args.output else folder / REPORT_DIR
    if args.privacy_only and args.holdout is None:
        raise ValueError("--privacy-only needs --holdout: real records the model never saw "
                         "(a dataset name or file, read like --data).")
    if not args.privacy_only:
        page = report(model, X, out, n_samples=args.n_samples, random_state=args.seed,
                      fast=args.fast)
        print(f"report written to {page} (figures as PNG beside it)")
    if args.holdout is not None:
        _privacy_report(model, X, data, args, out / PRIVACY_DIR)
    return 0


def _privacy_report(model: Any, X: Any, data: argparse.Namespace, args: argparse.Namespace,
                    out: Path) -> None:
    """``seqgan report --holdout``: the holdout read with the training data's layout flags,
    long tables split into one array per id, then ``seqgan.metrics.privacy_report``."""
    from seqgan._report import _arrays
    from seqgan.metrics import privacy_report

    holdout, _ = _load_data(argparse.Namespace(**{**vars(data), "data": args.holdout,
                                                  "data_option": list(args.holdout_option)}))
    train = _arrays(X, model, "X")
    n = args.n_samples if args.n_samples is not None else len(train)
    synthetic = _arrays(model.sample(n, random_state=args.seed), model, "samples")
    result = privacy_report(model, train, _arrays(holdout, model, "--holdout"), out,
                            synthetic=synthetic, copy_percentile=args.copy_percentile)
    for key in ("dcr", "membership", "copies", "privacy"):
        print(f"  {key}: {result.readings[key]}")
    print(f"privacy report written to {result.markdown_path} (figures as PNG beside it)")


def _cmd_sample(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from seqgan import load

    path = Path(args.run)
    model = load(path / MODEL_FILE if path.is_dir() else path)
    if args.output is None:  # into the run folder, as fit writes its files
        args.output = str((path if path.is_dir() else path.parent) / SAMPLES_FILE)
    condition = _sample_condition(args)
    from seqgan.models._image_base import ImageGANEstimator, LatentVectorGANEstimator

    images = isinstance(model, ImageGANEstimator)
    points = isinstance(model, LatentVectorGANEstimator) and not images
    if (images or points) and args.seq_len is not None:
        raise ValueError(f"--seq-len is for sequence models; {type(model).__name__} makes "
                         f"{'images' if images else 'points'}.")
    extra = {} if images or points else {"seq_len": args.seq_len}
    if args.missing != "none":
        if images or points:
            raise ValueError(f"--missing is for sequence models; {type(model).__name__} makes "
                             f"{'images' if images else 'points'}.")
        extra["missing"] = args.missing
    static_out = None
    if getattr(model, "encoder_", None) is not None and getattr(
            model.encoder_, "n_static_", 0) and not (images or points):
        extra["return_static"] = True
        static_out = Path(args.static_output or _static_path(args.output))
    elif args.static_output:
        raise ValueError(f"--static-output: this {type(model).__name__} was fitted without "
                         "static features.")
    out = Path(args.output)
    if not (images or points) and out.suffix in (".csv", ".parquet"):  # memory: one chunk
        _stream_table(model, args, condition, extra, out, static_out)
        print(f"wrote {args.n} sequences to {out}")
        if static_out is not None:
            print(f"wrote the static features of the {args.n} sequences to {static_out}")
        return 0
    result = model.sample(args.n, condition=condition, random_state=args.seed, **extra)
    if static_out is not None:
        result, static = result
        static_out.parent.mkdir(parents=True, exist_ok=True)
        _static_frame(static).to_csv(static_out, index=isinstance(static, pd.DataFrame))
        print(f"wrote the static features of the {args.n} sequences to {static_out}")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    if images:
        if out.suffix == ".npy":
            np.save(out, result)
        elif out.suffix == ".png":
            from seqgan.plots import plot_images

            plot_images(result, path=out)
        else:
            raise ValueError(f"-o {str(out)!r}: images go to a .npy file (n, channels, height, "
                             "width) or a .png grid.")
        print(f"wrote {args.n} images to {out}")
        return 0
    if points:
        if out.suffix == ".npy":
            np.save(out, result)
        elif out.suffix == ".csv":
            pd.DataFrame(result, columns=[f"x{j}" for j in range(result.shape[1])]).to_csv(
                out, index=False)
        else:
            raise ValueError(f"-o {str(out)!r}: points go to a .npy or .csv file.")
        print(f"wrote {args.n} points to {out}")
        return 0
    if out.suffix == ".npy":
        if not isinstance(result, np.ndarray):
            raise ValueError("These samples have different lengths or are a table; write them to "
                             "a .csv file instead of .npy.")
        np.save(out, result)
    elif out.suffix == ".csv":
        _to_frame(result).to_csv(out, index=False)
    else:
        raise ValueError(f"-o {str(out)!r}: use a .csv, .parquet or .npy file name.")
    print(f"wrote {args.n} sequences to {out}")
    return 0


def _static_frame(static: Any) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    if isinstance(static, pd.DataFrame):
        return static
    return pd.DataFrame(static, columns=[f"s{j}" for j in range(np.shape(static)[1])])


def _stream_table(model: Any, args: argparse.Namespace, condition: Any, extra: dict[str, Any],
                  out: Path, static_out: Path | None) -> None:
    """Write ``args.n`` samples to a CSV or Parquet file chunk by chunk
    (``model.sample_iter``): the same rows as ``sample`` would give, sequence numbers running
    on across chunks. The static features go to ``static_out`` in the same format."""
    import pandas as pd

    out.parent.mkdir(parents=True, exist_ok=True)
    if static_out is not None:
        static_out.parent.mkdir(parents=True, exist_ok=True)
    first, start = True, 0
    with _table_writer(out) as write, _table_writer(static_out) as write_static:
        for part in model.sample_iter(args.n, condition=condition, random_state=args.seed,
                                      chunk_size=args.chunk_size, **extra):
            if static_out is not None:
                part, static = part
                write_static(_static_frame(static), first, isinstance(static, pd.DataFrame))
            frame = _to_frame(part)
            if not isinstance(part, pd.DataFrame):  # long tables number their own ids
                frame["sequence"] += start
            write(frame, first, False)
            first, start = False, start + len(part)


@contextmanager
def _table_writer(path: Path | None) -> Iterator[Callable[[Any, bool, bool], None]]:
    """``write(frame, first, index)`` appending to a .csv (header on the first chunk) or
    .parquet file (the index, when wanted, as a column); a no-op writer for None."""
    if path is None:
        yield lambda frame, first, index: None
    elif path.suffix == ".parquet":
        from seqgan.data._parquet import ParquetChunkWriter

        with ParquetChunkWriter(path) as writer:
            yield lambda frame, first, index: writer.write(frame.reset_index() if index
                                                           else frame)
    else:
        with open(path, "w", newline="") as handle:
            yield lambda frame, first, index: frame.to_csv(handle, header=first, index=index)


def _static_path(output: str) -> str:
    """Where the static features of samples go: ``synth.csv`` -> ``synth.static.csv``
    (``synth.parquet`` -> ``synth.static.parquet``)."""
    out = Path(output)
    suffix = ".parquet" if out.suffix == ".parquet" else ".csv"
    return str(out.with_name(out.stem + ".static" + suffix))


def _sample_condition(args: argparse.Namespace) -> Any:
    """The condition of each of the ``-n`` samples: ``--condition`` values cycled over the
    samples (one value: every sample), or the rows of ``--condition-file``."""
    import numpy as np

    if args.condition and args.condition_file:
        raise ValueError("Give --condition or --condition-file, not both.")
    if args.condition_file:
        rows = _read_table(args.condition_file, "--condition-file")
        if len(rows) != args.n:
            raise ValueError(f"--condition-file has {len(rows)} rows but -n is {args.n}; give "
                             "one condition per sample.")
        return np.asarray(rows)
    if not args.condition:
        return None
    values = [_parse_value(v) for v in args.condition]
    return [values[i % len(values)] for i in range(args.n)]


def _to_frame(result: Any) -> pd.DataFrame:
    """Arrays become a long table: sequence, step, then one column per feature."""
    import numpy as np
    import pandas as pd

    if isinstance(result, pd.DataFrame):
        return result
    seqs = list(result)
    cols = [f"x{j}" for j in range(np.atleast_2d(seqs[0].T).shape[0])]
    frames = [pd.DataFrame(np.asarray(s).reshape(len(s), -1), columns=cols)
              .assign(sequence=i, step=np.arange(len(s))) for i, s in enumerate(seqs)]
    table = pd.concat(frames, ignore_index=True)
    return table[["sequence", "step", *cols]]


def _cmd_datasets(args: argparse.Namespace) -> int:
    from seqgan.datasets import list_datasets

    for info in list_datasets():
        print(f"{info.name:<10} {info.kind:<9} {info.description}")
    return 0


def _cmd_bench(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from seqgan.benchmark import BenchmarkConfig, run_benchmark

    def listed(text: str, cast: type = str) -> list[Any]:
        return [cast(x.strip()) for x in text.split(",") if x.strip()]

    raw: dict[str, Any] = {}
    if args.config:
        import tomllib

        with open(args.config, "rb") as handle:
            raw = tomllib.load(handle)
    if args.models:
        params = raw.get("models", {}) if isinstance(raw.get("models"), dict) else {}
        raw["models"] = {m: params.get(m, {}) for m in listed(args.models)}
    if args.datasets:
        raw["datasets"] = listed(args.datasets)
    if args.seeds:
        raw["seeds"] = listed(args.seeds, int)
    if args.metrics:
        raw["metrics"] = listed(args.metrics)
    if args.workers:
        raw["workers"] = args.workers
    if args.threads:
        raw["threads"] = args.threads
    if args.no_plots:
        raw["plots"] = False
    config = BenchmarkConfig.from_mapping(raw)
    table = run_benchmark(config, args.out, command="seqgan " + " ".join(argv))
    print(f"{len(table)} runs; results in {args.out}/summary.md")
    return 0


def _cmd_tune(args: argparse.Namespace) -> int:
    from seqgan.models._image_base import ImageGANEstimator
    from seqgan.tuning import tune

    # image studies score FID with a classifier trained on the dataset's labels
    args.want_labels = issubclass(get_model(args.model), ImageGANEstimator)
    X, fit_kwargs = _load_data(args)
    if fit_kwargs.keys() - {"condition", "labels"}:
        raise ValueError("seqgan tune takes arrays (a dataset name or a .npy file), not "
                         "long-format CSV.")
    space = json.loads(args.space) if args.space else None
    if space is not None:  # JSON has no tuples: [low, high] of numbers is a range
        space = {k: (tuple(v) if isinstance(v, list) and len(v) in (2, 3)
                     and all(isinstance(x, (int, float)) for x in v[:2])
                     and v[2:] in ([], ["log"]) else v) for k, v in space.items()}
    params = dict(_split_option(o) for o in args.param)
    study_name = args.study_name or (f"{args.model}-{Path(args.data).stem}"
                                     if args.storage else None)
    metric = json.loads(args.metric) if args.metric.startswith("{") else args.metric
    names = [metric] if isinstance(metric, str) else list(metric)
    metric_options = ({name: {"fast": True} for name in names if name != "fid"}
                      if args.fast_metrics else None)
    study = tune(args.model, X, n_trials=args.trials, metric=metric, space=space,
                 params=params, condition=fit_kwargs.get("condition"), storage=args.storage,
                 study_name=study_name, timeout=args.timeout, pruner=args.pruner,
                 checkpoint_dir=args.checkpoint_dir, diversity_min=args.diversity_min,
                 metric_options=metric_options, labels=fit_kwargs.get("labels"),
                 random_state=args.seed, n_jobs=args.n_jobs)
    table = study.trials_dataframe()
    done = table[table.state == "COMPLETE"] if "state" in table else table
    print(f"study {study_name or '(in memory)'}: {len(table)} trials, {len(done)} complete")
    if len(done):
        print(f"best value {study.best_value:.4f} with {json.dumps(study.best_params)}")
    if args.report:
        paths = study.report(args.report)
        print(f"report: {', '.join(str(p) for p in paths)}")
    return 0


def _parser(model_cls: type | None) -> tuple[argparse.ArgumentParser, list[str]]:
    parser = argparse.ArgumentParser(
        prog="seqgan", description="Synthetic time series with GANs.",
        epilog="Run 'seqgan COMMAND --help' for a command's options; 'seqgan fit --model NAME "
               f"--help' lists that model's hyperparameters (default model: {DEFAULT_MODEL}).")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    fit = sub.add_parser("fit", help="train a model and save it to a run folder",
                         description="Train a model; writes model.seqgan, history.csv, run.json "
                                     "and checkpoint.pt into --out.")
    fit.add_argument("--model", default=DEFAULT_MODEL, choices=available_models(),
                     help=f"model name (default: {DEFAULT_MODEL})")
    fit.add_argument("--data", required=True,
                     help="dataset name (see 'seqgan datasets') or a .csv/.npy file")
    fit.add_argument("--data-option", action="append", default=[], metavar="KEY=VALUE",
                     help="option for the dataset loader or read_csv, e.g. n_samples=2000")
    fit.add_argument("--id-column", help="long-format CSV: the sequence id column")
    fit.add_argument("--time-column", help="long-format CSV: the time column")
    fit.add_argument("--condition-from-labels", action="store_true",
                     help="use a labelled dataset's labels as the condition")
    fit.add_argument("--categorical", metavar="COLS",
                     help="CSV: comma-separated text or category columns to one-hot encode "
                          "(samples get categories back)")
    fit.add_argument("--static-columns", metavar="COLS",
                     help="long CSV: comma-separated columns constant within each sequence, "
                          "learned as static features (models that support them: R3GAN, "
                          "TimeGAN)")
    fit.add_argument("--static-file", metavar="FILE",
                     help=".npy or .csv with one row of static features per sequence")
    fit.add_argument("--condition-column", metavar="COL",
                     help="long CSV: a column constant within each sequence, used as the "
                          "condition (conditional models)")
    fit.add_argument("--condition-file", metavar="FILE",
                     help=".npy or .csv with the condition of each sequence (labels or "
                          "vectors)")
    dp = fit.add_argument_group(
        "differential privacy (DP-SGD through Opacus: pip install seqgan[privacy]; see "
        "docs/privacy.md)")
    dp.add_argument("--privacy-epsilon", type=float, metavar="EPS",
                    help="train with differential privacy at this epsilon (e.g. 3)")
    dp.add_argument("--privacy-delta", type=float, default=1e-5, metavar="DELTA",
                    help="delta of the guarantee (default: 1e-5; below 1/n_sequences)")
    dp.add_argument("--privacy-max-grad-norm", type=float, metavar="C",
                    help="per-sample gradient clipping bound (default: 1.0)")
    dp.add_argument("--privacy-bounds", metavar="LO,HI",
                    help="public bounds of the values (one pair for all features), used for "
                         "the scaling instead of the data's min and max; negative: "
                         "--privacy-bounds=-5,5")
    fit.add_argument("--out", required=True, help="run folder to write")
    fit.add_argument("--checkpoint-every", type=int, default=100, metavar="N",
                     help="iterations between checkpoints (default: 100)")
    fit.add_argument("--resume", action="store_true",
                     help="continue from the checkpoint in --out")
    _add_threads(fit)
    names = _add_model_options(fit, model_cls) if model_cls is not None else []

    sample = sub.add_parser("sample", help="generate sequences from a trained model",
                            description="Generate sequences from a run folder or model file.")
    sample.add_argument("run", help="run folder (from 'seqgan fit') or a .seqgan file")
    sample.add_argument("-n", type=int, required=True, help="number of sequences")
    sample.add_argument("-o", "--output", default=None,
                        help=f"output file (.csv, .parquet or .npy; default: {SAMPLES_FILE} in "
                             "the run folder; .parquet needs pyarrow: pip install "
                             "seqgan[parquet])")
    sample.add_argument("--seed", type=int, default=None, help="random seed")
    sample.add_argument("--seq-len", type=int, default=None, help="length of every sample")
    sample.add_argument("--condition", action="append", default=[], metavar="VALUE",
                        help="condition of the samples: a class label, or a JSON vector such "
                             "as [0.5,1.2]; repeat it for several (cycled over the samples: "
                             "--condition 0 --condition 1 gives 0, 1, 0, 1, ...)")
    sample.add_argument("--condition-file", metavar="FILE",
                        help=".npy or .csv with one condition per sample (-n rows)")
    sample.add_argument("--static-output", metavar="FILE",
                        help="models fitted with static features: where their generated "
                             "static features go (default: OUTPUT with .static.csv)")
    sample.add_argument("--missing", choices=["none", "pattern"], default="none",
                        help="models fitted on data with missing values: 'none' writes complete "
                             "series, 'pattern' leaves cells empty where the model generates a "
                             "gap, like the training data's (default: none)")
    sample.add_argument("--chunk-size", type=int, default=65536, metavar="N",
                        help="sequence models writing .csv or .parquet: sequences generated and "
                             "written per chunk (memory stays at one chunk)")

    info = sub.add_parser("info", help="what a saved model is, and its privacy budget",
                          description="Print a saved model's class and shapes, and the "
                                      "differential privacy budget it spent (if any).")
    info.add_argument("run", help="run folder (from 'seqgan fit') or a .seqgan file")

    report_p = sub.add_parser(
        "report", help="write an HTML report: samples against the training data",
        description="Write report.html (figures embedded) and the figures as PNG: real "
                    "beside synthetic series, differences, marginals, autocorrelation, PCA and "
                    "t-SNE, training curves, and metrics beside their real-data floors "
                    "(docs/report.md); with --holdout also a privacy report, markdown and "
                    "PNG figures (docs/privacy.md).")
    report_p.add_argument("run", help="run folder (from 'seqgan fit') or a .seqgan file")
    report_p.add_argument("--data", help="the training data (default: what run.json records)")
    report_p.add_argument("--data-option", action="append", default=[], metavar="KEY=VALUE",
                          help="option for the dataset loader or read_csv (with --data)")
    report_p.add_argument("-o", "--output", metavar="DIR",
                          help=f"folder to write (default: {REPORT_DIR}/ in the run folder)")
    report_p.add_argument("--fast", action="store_true",
                          help="tiny classifier budgets, at most 400 series, no context-FID: "
                               "seconds, a quick look (the scores then mean little)")
    report_p.add_argument("--n-samples", type=int, metavar="N",
                          help="synthetic sequences (default: as many as the data has)")
    report_p.add_argument("--seed", type=int, default=0, help="seed of samples and metrics")
    report_p.add_argument("--holdout", metavar="DATA",
                          help="real records the model never saw (dataset name or file, read "
                               "like --data): also write the privacy report (distance to "
                               f"closest record, membership inference, near copies) to "
                               f"{PRIVACY_DIR}/ in the output folder (docs/privacy.md)")
    report_p.add_argument("--holdout-option", action="append", default=[], metavar="KEY=VALUE",
                          help="option for the dataset loader or read_csv of --holdout")
    report_p.add_argument("--copy-percentile", type=float, default=1.0, metavar="P",
                          help="flag synthetic series closer to a training series than the "
                               "P-th percentile of holdout-to-training distances (default 1)")
    report_p.add_argument("--privacy-only", action="store_true",
                          help="with --holdout: write only the privacy report, not report.html")

    sub.add_parser("datasets", help="list the available datasets",
                   description="List the datasets that --data accepts.")

    bench = sub.add_parser(
        "bench", help="run the benchmark suite (models x datasets x seeds)",
        description="Train models on datasets with the TimeGAN protocol, score them and write "
                    "results.csv, summary.md, run.json and plots into --out.")
    bench.add_argument("--config", help="TOML config (see benchmarks/configs/)")
    bench.add_argument("--models", help="comma-separated model names (override the config)")
    bench.add_argument("--datasets", help="comma-separated dataset names (override)")
    bench.add_argument("--seeds", help="comma-separated seeds (override)")
    bench.add_argument("--metrics", help="comma-separated metric names (override)")
    bench.add_argument("--workers", type=int, help="runs in parallel (default: 1)")
    bench.add_argument("--no-plots", action="store_true", help="skip the figures")
    bench.add_argument("--out", required=True, help="results folder to write")
    _add_threads(bench, "torch threads of each run (default: the cores shared among the "
                        "workers)")

    tune_p = sub.add_parser(
        "tune", help="search hyperparameters with Optuna (shareable across machines)",
        description="Run (or join) an Optuna study: each trial fits the model on a training "
                    "split and scores its samples on the held-out rest. Several processes "
                    "with the same --storage and --study-name share one study.")
    tune_p.add_argument("--model", required=True, choices=available_models(),
                        help="model to tune (" + ", ".join(available_models()) + ")")
    tune_p.add_argument("--data", required=True, help="dataset name or a .npy file")
    tune_p.add_argument("--data-option", action="append", default=[], metavar="KEY=VALUE",
                        help="option for the dataset loader, e.g. n_samples=2000")
    tune_p.add_argument("--condition-from-labels", action="store_true",
                        help="use a labelled dataset's labels as the condition")
    tune_p.add_argument("--trials", type=int, default=50, help="trials in the study (total)")
    tune_p.add_argument("--metric", default="discriminative",
                        help="discriminative, predictive, context_fid, or JSON weights; "
                             "image models: fid (their default)")
    tune_p.add_argument("--space", help='JSON search space, e.g. \'{"latent_dim": [2, 64], '
                                        '"activation": ["relu", "elu"]}\' (default: the '
                                        "model's)")
    tune_p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="fixed model parameter of every trial, e.g. n_iter=500")
    tune_p.add_argument("--storage", help="optuna storage URL, e.g. sqlite:///studies.db or "
                                          "postgresql://user@host/db (default: in memory)")
    tune_p.add_argument("--study-name", help="study to create or join (default: MODEL-DATA)")
    tune_p.add_argument("--timeout", type=float, help="seconds for this process")
    tune_p.add_argument("--pruner", default="median", choices=["median", "hyperband", "none"],
                        help="stop unpromising trials early from their intermediate scores: "
                             "median (below the median of earlier trials at the same step), "
                             "hyperband, or none (default: median)")
    tune_p.add_argument("--checkpoint-dir", help="save every trial's model here")
    tune_p.add_argument("--diversity-min", type=float, default=0.5,
                        help="reject trials whose samples are less diverse than this share of "
                             "the data's (default: 0.5)")
    tune_p.add_argument("--fast-metrics", action="store_true",
                        help="the metrics' fast mode (one short run: for smoke tests only)")
    tune_p.add_argument("--seed", type=int, default=0, help="split and sampler seed")
    tune_p.add_argument("--report", metavar="DIR",
                        help="write trials.csv and optuna's figures into DIR")
    tune_p.add_argument("--n-jobs", type=_positive_int, default=1, metavar="K",
                        help="worker processes on this machine, sharing the study through "
                             "--storage, each with the cores divided among them (default: 1)")
    _add_threads(tune_p)
    tune_p.set_defaults(id_column=None, time_column=None, categorical=None)
    return parser, names


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _version() -> str:
    from seqgan._version import __version__

    return __version__


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an int >= 1, got {text!r}")
    return value


def _add_threads(parser: argparse.ArgumentParser, text: str | None = None) -> None:
    parser.add_argument("--threads", type=_positive_int, metavar="N", help=text or (
        "torch CPU threads for training (torch.set_num_threads; default: torch's own, "
        "usually one per core)"))


def _model_name(argv: Sequence[str]) -> str | None:
    """The value of ``--model NAME`` or ``--model=NAME`` (the last one given), if any."""
    name = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--model" and i + 1 < len(argv):
            name = argv[i + 1]
        elif arg.startswith("--model="):
            name = arg.split("=", 1)[1]
    return name


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``seqgan`` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    model_cls = None
    name = _model_name(argv)
    if name is not None:
        if name in available_models():  # (argparse reports any other name with the choices)
            model_cls = get_model(name)
    elif argv[:1] == ["fit"]:
        model_cls = get_model(DEFAULT_MODEL)
    parser, names = _parser(model_cls)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if getattr(args, "threads", None) is not None and args.command in ("fit", "tune"):
        import torch  # (bench sets the threads of each run, in its workers too)

        torch.set_num_threads(args.threads)
    try:
        if args.command == "fit":
            return _cmd_fit(args, {k: getattr(args, k) for k in names if hasattr(args, k)})
        if args.command == "sample":
            return _cmd_sample(args)
        if args.command == "bench":
            return _cmd_bench(args, argv)
        if args.command == "tune":
            return _cmd_tune(args)
        if args.command == "report":
            return _cmd_report(args)
        if args.command == "info":
            return _cmd_info(args)
        return _cmd_datasets(args)
    except Exception as exc:  # one readable line, not a traceback
        if args.debug:
            raise
        print(f"seqgan: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
