"""Reports: read models of a conference (attendance, outages, speaking time, invitation delivery, conclusion
acknowledgements) and across conferences, rendered as pages (api/pages/reports.py), XLSX and PDF.

Need-to-know is decided here (scope.py), never in a template: an operator's reports hold only their points' rows,
a wall board (viewer) gets numbers without delegate names.
"""
