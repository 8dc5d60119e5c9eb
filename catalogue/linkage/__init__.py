"""Linkage across datasets (a feature): the link index (role -> datasets), "linkable with" and the access plan."""
