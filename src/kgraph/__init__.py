"""kgraph: a linked-data knowledge graph of English children's services and their inspections."""

from kgraph.errors import KgraphError
from kgraph.settings import Settings
from kgraph.store import Store, load_store

__all__ = ["KgraphError", "Settings", "Store", "load_store"]
__version__ = "0.1.0"
