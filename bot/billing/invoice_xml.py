"""The invoice as UN/CEFACT CII XML (EN 16931; XRechnung when the buyer has a Leitweg-ID),
built and XSD-checked by ``drafthorse``, and embedded into the PDF by ``factur-x``.

Both libraries are imported here only, and this module only when an invoice is made, so
``lotse run`` starts without them.
"""

from __future__ import annotations

from decimal import Decimal

from bot.billing.invoice_doc import InvoiceData

EN16931 = "urn:cen.eu:en16931:2017"
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
SCHEMA = "FACTUR-X_EN16931"  # drafthorse's XSD for the profile
HOUR = "HUR"  # UN/ECE rec. 20: hour
CREDIT_TRANSFER = "58"  # UNTDID 4461: SEPA credit transfer


def _eur(value: Decimal) -> tuple[Decimal, str]:
    return value, "EUR"


def invoice_xml(data: InvoiceData) -> bytes:
    """The CII XML, validated against the EN 16931 XSD (raises if it does not validate)."""
    from drafthorse.models.accounting import ApplicableTradeTax
    from drafthorse.models.document import Document
    from drafthorse.models.note import IncludedNote
    from drafthorse.models.party import TaxRegistration
    from drafthorse.models.payment import PaymentMeans, PaymentTerms
    from drafthorse.models.tradelines import LineItem

    issuer, recipient = data.issuer, data.recipient
    doc = Document()
    doc.context.guideline_parameter.id = XRECHNUNG if data.leitweg_id else EN16931
    doc.header.id = data.number
    doc.header.type_code = data.type_code
    doc.header.issue_date_time = data.issue_date
    doc.header.notes.add(IncludedNote(content=(
        f"Integrationsmanagement für {recipient.name}, {data.quarter.number}. Quartal "
        f"{data.quarter.year}.")))
    if data.refers_to:
        doc.header.notes.add(IncludedNote(content=f"Gutschrift zu Rechnung {data.refers_to}."))

    agreement = doc.trade.agreement
    if data.leitweg_id:  # BT-10: the Leitweg-ID routes it in the public administration
        agreement.buyer_reference = data.leitweg_id
    seller = agreement.seller
    seller.name = issuer.name
    seller.address.line_one = issuer.address.street
    seller.address.postcode = issuer.address.postcode
    seller.address.city_name = issuer.address.city
    seller.address.country_id = issuer.address.country
    seller.contact.person_name = issuer.contact_name
    seller.contact.telephone.number = issuer.contact_phone
    seller.contact.email.address = issuer.contact_email
    seller.electronic_address.uri_ID = ("EM", issuer.contact_email)
    if issuer.vat_id:
        seller.tax_registrations.add(TaxRegistration(id=("VA", issuer.vat_id)))
    if issuer.tax_number:
        seller.tax_registrations.add(TaxRegistration(id=("FC", issuer.tax_number)))
    buyer = agreement.buyer
    buyer.name = recipient.name
    buyer.address.line_one = recipient.address.street
    buyer.address.postcode = recipient.address.postcode
    buyer.address.city_name = recipient.address.city
    buyer.address.country_id = recipient.address.country
    if data.leitweg_id:  # BT-49, required by XRechnung: the Leitweg-ID, scheme 0204
        buyer.electronic_address.uri_ID = ("0204", data.leitweg_id)

    doc.trade.delivery.event.occurrence = data.quarter.last_day

    settlement = doc.trade.settlement
    settlement.currency_code = "EUR"
    settlement.payment_reference = data.number
    means = PaymentMeans()
    means.type_code = CREDIT_TRANSFER
    means.payee_account.iban = issuer.iban
    means.payee_account.account_name = issuer.account_holder
    means.payee_institution.bic = issuer.bic
    settlement.payment_means.add(means)
    settlement.period.start = data.quarter.first_day
    settlement.period.end = data.quarter.last_day
    if data.refers_to:
        settlement.invoice_referenced_document.issuer_assigned_id = data.refers_to
        if data.refers_to_date:
            settlement.invoice_referenced_document.issue_date_time = data.refers_to_date
    terms = PaymentTerms()
    terms.description = issuer.payment_terms
    terms.due = data.due_date
    settlement.terms.add(terms)

    for number, line in enumerate(data.lines, 1):
        item = LineItem()
        item.document.line_id = str(number)
        if line.refers_to:
            item.document.notes.add(IncludedNote(content=f"Korrektur zu Rechnung "
                                                         f"{line.refers_to}"))
        item.product.name = line.name
        item.agreement.net.amount = line.hourly_rate
        item.delivery.billed_quantity = (line.hours, HOUR)
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = "S"
        item.settlement.trade_tax.rate_applicable_percent = data.vat_percent
        item.settlement.monetary_summation.total_amount = line.net
        doc.trade.items.add(item)

    tax = ApplicableTradeTax()
    tax.calculated_amount = data.vat
    tax.basis_amount = data.net
    tax.type_code = "VAT"
    tax.category_code = "S"
    tax.rate_applicable_percent = data.vat_percent
    settlement.trade_tax.add(tax)

    total = settlement.monetary_summation
    total.line_total = data.net
    total.charge_total = Decimal("0.00")
    total.allowance_total = Decimal("0.00")
    total.tax_basis_total = data.net
    total.tax_total = _eur(data.vat)
    total.grand_total = data.gross
    total.prepaid_total = Decimal("0.00")
    total.due_amount = data.gross
    return bytes(doc.serialize(schema=SCHEMA))


def embed(pdf: bytes, xml: bytes, *, title: str) -> bytes:
    """The PDF with the XML attached as factur-x.xml (ZUGFeRD 2 / Factur-X, EN 16931)."""
    from facturx import generate_from_binary

    return bytes(generate_from_binary(
        pdf, xml, flavor="factur-x", level="en16931", check_xsd=True,
        pdf_metadata={"author": "Lotse", "keywords": "Factur-X, Rechnung", "title": title,
                      "subject": title}))
