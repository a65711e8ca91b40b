"""jazzgen: a chord-aware LSTM jazz improviser (MIDI/MusicXML in, MIDI solos out)."""

__version__ = "0.1.0"
