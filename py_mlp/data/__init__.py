"""The data: built-in data sets (``datasets``) and your own points from CSV (``csvdata``).

numpy and the standard library only; runs on CPython and in the browser.
"""
