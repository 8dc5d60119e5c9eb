"""SPARQL over the catalogue: an RDF projection of the store (pyoxigraph) and a read-only query service.

graphs.py says what the store holds, projection.py keeps it in step with the record store, worker.py and pool.py
run queries in processes that can be stopped, service.py puts them together. Kept light on purpose: query workers
import this package and only pyoxigraph.
"""
