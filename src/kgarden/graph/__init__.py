"""Graph views of a garden (python-igraph) and the analytics of ``kgarden report``.

``views`` builds the concept graph (typed-relation and co-occurrence layers), the paper–concept
bipartite graph and the citation graph; ``analytics`` and ``emergence`` measure them; ``plots``
draws them; ``report`` puts it all in Markdown, HTML and JSON. Heavy imports (igraph, powerlaw,
matplotlib) happen only when a report is built, so the CLI starts fast.
"""
