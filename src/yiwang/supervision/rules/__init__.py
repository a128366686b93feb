"""The supervision rules (监察规则) as code; their switches and thresholds are data (:class:`Rule`).

Every rule is a small class with

* ``source(cfg, today)`` — a set-based SQL query (portable between PostgreSQL and SQLite) that
  returns one row per *current* finding with the standard columns :data:`COLUMNS`; the sweep
  feeds it straight into ``INSERT … SELECT … ON CONFLICT`` (see :mod:`yiwang.supervision.engine`),
  and event-time evaluation runs the same query restricted to one case; or, for the few rules
  that need the working-day calendar or the workflow engine per object,
* ``findings(cfg, today, case_id)`` — Python over a set-based *pre-filtered* candidate query.

``evaluate(case, cfg, today)`` returns the findings for one case either way.

Modules: ``base`` (columns, findings, configuration, the base class), ``time_limits`` (黄牌/红牌),
``procedure`` (行政许可法 Arts. 72, 74), ``personal_data`` (个人信息保护法 Art. 51), ``per_object``
(calendar/workflow rules in Python) and ``registry`` (``RULES``, ``load_configs``).
"""

