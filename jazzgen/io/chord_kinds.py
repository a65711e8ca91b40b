"""MusicXML's ``<kind>`` values as the chord suffixes jazz musicians write, for the readers.

Both MusicXML readers (music21's and the direct one) name a chord by its root, this suffix
and its bass, then read that symbol with ``jazzgen.music.chords.parse_chord``, so the two
always agree on what a ``<harmony>`` means.
"""

from __future__ import annotations

# MusicXML <kind> values to the suffix a jazz musician writes.
KIND_SUFFIX = {
    "major": "", "minor": "m", "augmented": "aug", "diminished": "dim",
    "dominant": "7", "dominant-seventh": "7", "major-seventh": "maj7", "minor-seventh": "m7",
    "diminished-seventh": "dim7", "augmented-seventh": "7#5", "half-diminished": "m7b5",
    "half-diminished-seventh": "m7b5", "major-minor": "mMaj7", "minor-major-seventh": "mMaj7",
    "major-sixth": "6", "minor-sixth": "m6", "dominant-ninth": "9", "major-ninth": "maj9",
    "minor-ninth": "m9", "dominant-11th": "11", "minor-11th": "m11", "dominant-13th": "13",
    "major-13th": "maj13", "minor-13th": "m13", "suspended-fourth": "sus4",
    "suspended-second": "sus2", "seventh-flat-five": "7b5",
}
"""MusicXML kind -> jazz chord suffix (``dominant`` -> ``7``, ``half-diminished`` -> ``m7b5``)."""
