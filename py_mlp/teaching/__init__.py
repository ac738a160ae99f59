"""The teaching tools: one sample's derivative four ways (``explain``) and the reference
tutorial's own experiment, quirks kept apart (``article``).

numpy and the standard library only; runs on CPython and in the browser.
"""
