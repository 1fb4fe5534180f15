"""FAIR exposure of the catalog: JSON-LD, ai4-metadata export, OAI-PMH, Signposting, feeds."""
