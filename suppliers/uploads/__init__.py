"""Bulk lead uploads: CSV and XLSX files judged row by row in the background.

``reading`` opens and sniffs files, ``mapping`` turns file columns into the
API's lead fields, ``services`` owns the uploads' state and the chunked,
checkpointed processing, ``tasks`` runs it on a Celery worker.
"""
