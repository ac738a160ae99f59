"""The app's settings: the one settings table (``settings``), a whole run from one
configuration (``config.build_run``) and the data sets' thumbnails for the page.

numpy and the standard library only; runs on CPython and in the browser.
"""
