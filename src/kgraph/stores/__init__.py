"""The kinds of store behind kgraph.store.Store: Oxigraph (memory or disk), rdflib, remote."""
