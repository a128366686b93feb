"""Writes to the service catalogue (事项目录), versioned (动态管理), one module per family.

* An edit never touches a published version: :func:`version_draft_from` copies it into a new
  draft (one open draft per item); drafts are changed with :func:`version_update` and the
  material/fee functions; :func:`version_submit` sends the draft for review, and an administrator
  (``CATALOG_PUBLISH``) runs :func:`version_publish` (the previous version is retired) or
  :func:`version_reject`.
* Cases point at the version they were opened under, so published rows stay frozen (services
  and the model ``save`` guard both enforce it).
* Editors need ``CATALOG_EDIT`` on the item's department (reviewers and department heads of that
  department, administrators of the division); ``system=True`` is for seeding and commands.

Modules: ``versions`` (items and versions), ``materials`` (materials and fees), ``publishing``
(送审/发布/退回), ``cleaning`` (input), ``records`` (permission, locking, search text).
The names that views, the API and the Excel import call as ``services.X`` are re-exported here.
"""

from yiwang.catalog.services.cleaning import (
    check_attachment,
    clean_fee,
    clean_material,
    clean_version_fields,
)
from yiwang.catalog.services.materials import (
    fee_add,
    fee_remove,
    fee_update,
    material_add,
    material_remove,
    material_update,
)
from yiwang.catalog.services.publishing import (
    publish_problems,
    version_publish,
    version_reject,
    version_submit,
)
from yiwang.catalog.services.records import (
    can_edit,
    can_publish,
    implementation_code_for,
    refresh_search_text,
)
from yiwang.catalog.services.versions import (
    item_create,
    item_set_active,
    theme_ensure,
    version_draft_from,
    version_update,
)

__all__ = [
    "can_edit",
    "can_publish",
    "check_attachment",
    "clean_fee",
    "clean_material",
    "clean_version_fields",
    "fee_add",
    "fee_remove",
    "fee_update",
    "implementation_code_for",
    "item_create",
    "item_set_active",
    "material_add",
    "material_remove",
    "material_update",
    "publish_problems",
    "refresh_search_text",
    "theme_ensure",
    "version_draft_from",
    "version_publish",
    "version_reject",
    "version_submit",
    "version_update",
]
