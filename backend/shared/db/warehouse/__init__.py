"""Warehouse table definitions shared by the analytics services and the demo builder.

``aw_tables`` holds AdventureWorksDW (schema ``dbo``), ``wwi_tables`` WideWorldImportersDW
(schemas ``Fact`` and ``Dimension``); each module has one ``MetaData`` and a ``TABLES`` map.
"""
