"""Quarterly billing: hours per kind, net, VAT and gross, closing a quarter, the CSV and PDF
documents and the funding statistics.

Entry points: ``billing`` (figures and closing), ``billing_figures`` (stored totals),
``report_export`` / ``report_pdf`` (documents), ``report_cli`` (``lotse report`` and
``lotse stats``), ``statistics``. May import the shared modules of ``bot`` and ``models``.
"""
