//! Installing the tools the build and tests need, each only when missing, saying what is done.
