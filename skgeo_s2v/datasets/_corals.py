"""Real occurrence records shipped with the package: fossil corals of the PBDB.

The data are the ``corals`` data set of the divDyn R package (Kocsis, Reddin,
Alroy and Kiessling 2019, *Methods in Ecology and Evolution* 10: 735-743),
downloaded from the Paleobiology Database (https://paleobiodb.org) and
licensed under the Creative Commons Attribution 4.0 licence (CC BY 4.0). Rows
without coordinates were dropped; nothing else was changed. Work that uses
:func:`load_pbdb_corals` must cite the Paleobiology Database and divDyn.
"""

import functools
from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._checks import check_integer_at_least, keep_classes_with_at_least

__all__ = ["CORAL_LABELS", "load_pbdb_corals"]

#: The label columns :func:`load_pbdb_corals` accepts.
CORAL_LABELS = ("genus", "family")

_DESCR = """\
Fossil coral occurrences of the Paleobiology Database
-----------------------------------------------------

29,544 occurrences of stony corals (Scleractinia, Triassic to Recent) at
3,462 distinct sites (5,444 collections), as distributed in the ``corals``
data set of the divDyn R package (Kocsis, Reddin, Alroy and Kiessling 2019,
Methods in Ecology and Evolution 10: 735-743). Licence: CC BY 4.0; cite the Paleobiology
Database (https://paleobiodb.org) and divDyn. Rows without coordinates were
dropped; nothing else was changed.

Columns: lon, lat (present-day coordinates of the collection, degrees);
genus, family (the taxon; 760 genera, 332 of them with at least 10 records;
family is missing for 46 records); collection_no (the PBDB collection, one
site and horizon); reference_no (the publication, 1,203 distinct); max_ma,
min_ma (age range, millions of years); paleolon, paleolat (reconstructed
coordinates at that age); ecology ("z" zooxanthellate, "az"
azooxanthellate); growth ("colonial", "solitary").

The records are clustered: many share a collection, and a publication
reports many collections close together. Split them by reference_no (or by
collection_no, or over space), never at random: a random split puts the same
site on both sides and rewards memorising it.
"""


@functools.lru_cache(maxsize=1)
def _read_corals():
    """The shipped table as a frame (cached, never exposed)."""
    path = resources.files("skgeo_s2v.datasets").joinpath("data", "pbdb_corals.csv.gz")
    with resources.as_file(path) as file:
        return pd.read_csv(file)


def load_pbdb_corals(*, label="genus", min_samples_per_class=1):
    """Load the fossil coral occurrences of the Paleobiology Database.

    Real presence records with the shape of museum and survey data: a few
    hundred classes with a long tail, and heavy clustering (29,544 records at
    3,462 distinct sites, reported by 1,203 publications). The table ships with
    the package (215 kB) and is read offline.

    **Licence.** The data are licensed CC BY 4.0: cite the Paleobiology
    Database (https://paleobiodb.org) and the divDyn R package (Kocsis et al.
    2019, *Methods in Ecology and Evolution* 10: 735-743), from which they
    come, in work that uses them.

    Parameters
    ----------
    label : {"genus", "family"}, default="genus"
        The class of each record. With ``"family"`` the 46 records without a
        family are left out.
    min_samples_per_class : int, default=1
        Drop the records whose class has fewer records than this, for
        instance 10 to keep the 332 genera that a split can stratify.

    Returns
    -------
    data : Bunch
        With the attributes

        data : ndarray of shape (n_records, 2)
            Longitude then latitude in degrees (present-day), float64.
        target : ndarray of shape (n_records,)
            The genus or family of each record, strings.
        groups : ndarray of shape (n_records,)
            The PBDB reference (publication) of each record, int64: the
            groups to split by, e.g. ``GroupKFold().split(X, y, groups)``.
        collection : ndarray of shape (n_records,)
            The PBDB collection (one site and horizon) of each record, int64.
        frame : pandas.DataFrame
            One row per record with every column of the table: ``lon``,
            ``lat``, ``genus``, ``family``, ``collection_no``,
            ``reference_no``, ``max_ma``, ``min_ma``, ``paleolon``,
            ``paleolat``, ``ecology`` and ``growth`` (a fresh copy).
        feature_names : list of str
            ``["lon", "lat"]``.
        DESCR : str
            The description of the data set, its columns and its licence.

    Raises
    ------
    ValueError
        If ``label`` or ``min_samples_per_class`` is not valid.

    See Also
    --------
    skgeo_s2v.model_selection.SphericalBlockKFold : hold out whole regions.
    load_geonames_cities : real places, labelled by country or time zone.

    Notes
    -----
    The records keep the order of the shipped table, so the same call
    returns the same data.

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v.datasets import load_pbdb_corals
    >>> corals = load_pbdb_corals(min_samples_per_class=10)
    >>> corals.data.shape, len(np.unique(corals.target))
    ((28147, 2), 332)
    >>> len(np.unique(corals.groups))  # publications to split by
    1171
    """
    if label not in CORAL_LABELS:
        raise ValueError(
            f"label={label!r} is not a column of the coral records; use one of "
            f"{', '.join(map(repr, CORAL_LABELS))}."
        )
    check_integer_at_least(min_samples_per_class, "min_samples_per_class", 1)
    frame = _read_corals()
    # A fresh frame: the cached one stays untouched whatever the caller does.
    frame = keep_classes_with_at_least(
        frame[frame[label].notna()], label, min_samples_per_class
    )
    return Bunch(
        data=frame[["lon", "lat"]].to_numpy(dtype=np.float64),
        target=frame[label].to_numpy(dtype=str),
        groups=frame["reference_no"].to_numpy(dtype=np.int64),
        collection=frame["collection_no"].to_numpy(dtype=np.int64),
        frame=frame,
        feature_names=["lon", "lat"],
        DESCR=_DESCR,
    )
