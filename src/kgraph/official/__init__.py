"""Official data: Ofsted's inspection outcomes and DfE children's services tables, as RDF.

ods reads the spreadsheet, ofsted and dfe turn the files into triples, links ties them to the
articles' nodes by code, build writes data/official/*.ttl, reconcile lists where they meet.
"""
