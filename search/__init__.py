"""Search and partner discovery: index documents, one query model, tantivy and Elasticsearch backends."""
