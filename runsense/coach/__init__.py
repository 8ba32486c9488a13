"""Coach tools: list sessions, training load, HTML reports and before/after comparisons.

Coaches review sessions after the fact. Computation (``stats``, ``load``, ``advice``) is
pure, from steps and events; reading recordings lives in ``data``, rendering in ``plots``
(PNG) and ``html``; ``report`` wires them and ``cli`` adds the commands. See ``docs/coach.md``.
"""
