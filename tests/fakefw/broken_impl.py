"""A model whose build fails: by an exception (fake_model_raises) or by killing its process (fake_model_segfault)."""
import os
import signal


def build_model(config):
    if os.environ.get("FAKE_FAULT") == "model_segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    raise ValueError("lenet5 weights do not fit this fake")
