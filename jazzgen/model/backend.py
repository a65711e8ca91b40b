"""Import Keras (TensorFlow backend) only when needed, without TensorFlow's start-up chatter.

TensorFlow prints several lines to stderr while it loads, before its logging can be
configured; they would bury jazzgen's one-line messages. The file descriptor is pointed at
/dev/null for the import only, so later errors still show.
"""

from __future__ import annotations

import os
import sys


def import_keras():
    """Import and return ``keras`` on the TensorFlow backend, quietly."""
    if "keras" in sys.modules:
        return sys.modules["keras"]
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    saved = None
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:  # no real stderr (some test runners): just import
        saved = None
    try:
        import keras
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)
    return keras
