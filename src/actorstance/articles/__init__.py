"""Articles in, stances out. One module per stage, each testable alone; :mod:`.pipeline`
only wires them:

inputs -> segmentation (paragraphs, sentences, quotes) -> mentions (entities, nominal groups)
-> coreference -> targets (other actors, topics) -> pairs -> pair scorer -> summary -> writer
"""

from .inputs import Article, is_article_input, iter_articles
from .pipeline import ArticlePipeline
from .summary import Summary
from .writer import RowWriter

__all__ = ["Article", "ArticlePipeline", "RowWriter", "Summary", "is_article_input", "iter_articles"]
