"""OAI-PMH 2.0 data provider at /oai (GET and POST).

Formats: `oai_dc` (mandatory) and `dcat_rdfxml`, the module's DCAT-AP/MLDCAT-AP +
schema.org + PROV-O graph as RDF/XML (`rdf:RDF` root), which a DCAT harvester
(e.g. the EU data portal's) reads as it is. Sets: `kind:*`, `category:*`, `tag:*`
(plus their parents `kind`, `category`, `tag`). Withdrawn and hidden modules are
deleted records (policy `persistent`). Resumption tokens are stateless: signed
(django.core.signing) keyset positions that expire after OAI_TOKEN_TTL seconds.
"""
