"""Adapters: one module (or package) per outside system, each implementing a ptpu_core port."""
