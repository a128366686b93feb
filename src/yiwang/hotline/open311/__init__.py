"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at ``/open311/v2/``.

Methods, each as ``.json`` and ``.xml``:

* ``discovery`` — the Service Discovery document;
* ``services`` — hotline matter types (:class:`~yiwang.hotline.models.MatterType`) as services;
* ``services/{service_code}`` — the service definition (attributes every service accepts);
* ``requests`` POST — file a ticket (channel ``open311``); needs an ``api_key`` with scope
  ``open311`` (``manage.py create_api_key --name … --scopes open311``);
* ``requests`` GET — search (``service_request_id``, ``service_code``, ``start_date``, ``end_date``,
  ``status``; default: the last 90 days, at most 1000 requests, newest first);
* ``requests/{service_request_id}`` and ``tokens/{token}``;
* ``servicerequestupdates`` — mySociety's extension: public timeline events in a date range.

Semantics:

* ``service_request_id`` is the ticket number; ``status`` is ``closed`` for 已办结/直接办结/引导/并单
  and ``open`` otherwise; ``agency_responsible`` is the lead unit; ``expected_datetime`` is the
  deadline of the service level clock; ``status_notes`` is the latest public timeline entry.
* Personal data never leaves: no caller data is output; ``description``, ``address``, ``lat`` and
  ``long`` are given only for tickets whose citizen agreed to publication (公开同意) **and** whose
  text the centre reviewed for publication (公开审核, ``services.publication``): ``description`` is
  the reviewed text (and address), with ID and phone numbers masked; otherwise ``address`` is the
  township/village name. Timeline texts (``status_notes``, update descriptions) of other tickets are shown only when
  the system wrote them (registered, dispatched, accepted…); free text (replies, notes) becomes a
  neutral label.
* ``jurisdiction_id`` is optional (one jurisdiction: ``YIWANG_OPEN311_JURISDICTION``, default
  ``junan.gov.cn``); a different one is ``404``.
* Errors are the spec's body — JSON ``[{"code": 404, "description": "…"}]``, XML
  ``<errors><error><code>404</code><description>…</description></error></errors>`` — with
  ``400`` (missing or bad parameter), ``403`` (``api_key`` missing, invalid or without the
  ``open311`` scope), ``404`` (unknown jurisdiction, service code, request or token).

Modules: ``formats`` (JSON/XML rendering, errors, the view decorator), ``discovery`` (discovery and
services), ``submission`` (``requests`` POST), ``lookup`` (``requests`` GET, single requests and
tokens), ``updates`` (``servicerequestupdates``). The URLconf (``hotline/open311_urls.py``) imports
the views from them.
"""

