"""The pure half of every stage: plain functions over pydantic models, no file, network, clock or
thread access. ``specs`` reads a SPEC folder's texts, ``board`` plans ``_kanban.md``, ``insight``
measures and enriches, ``sync`` plans what a GitHub project needs and what people changed there.
"""
