"""Exchange rates, units of currency per euro: rounded 2024 averages of the ECB reference rates (and of central
bank rates for currencies the ECB does not quote). Reference data: the currencies a value range may be stated in
(``matcher.schema``) and the conversion that value fit and filters use (``matcher.normalize.currencies``)."""

from __future__ import annotations

PER_EUR: dict[str, float] = {
    "EUR": 1.0, "USD": 1.08, "GBP": 0.85, "CHF": 0.95, "JPY": 163.0, "KRW": 1475.0, "CNY": 7.8,
    "CAD": 1.48, "AUD": 1.64, "NZD": 1.79, "SGD": 1.45, "HKD": 8.45, "TWD": 34.8, "INR": 90.6,
    "SEK": 11.43, "NOK": 11.63, "DKK": 7.46, "ISK": 149.5, "PLN": 4.31, "CZK": 25.1, "HUF": 395.0,
    "RON": 4.97, "BGN": 1.956, "HRK": 7.53, "TRY": 35.6, "RSD": 117.1, "MKD": 61.5, "ALL": 100.5,
    "MDL": 19.2, "UAH": 44.0, "GEL": 2.95, "AMD": 425.0, "AZN": 1.84, "KZT": 510.0, "UZS": 13600.0,
    "MXN": 19.8, "BRL": 5.83, "ARS": 990.0, "CLP": 1020.0, "COP": 4400.0, "PEN": 4.06, "PYG": 8200.0,
    "UYU": 44.0, "BOB": 7.47, "GTQ": 8.4, "DOP": 64.5, "ZAR": 19.8, "NGN": 1600.0, "KES": 142.0,
    "UGX": 4050.0, "TZS": 2850.0, "ETB": 95.0, "GHS": 15.5, "XOF": 655.957, "XAF": 655.957,
    "MAD": 10.75, "TND": 3.37, "EGP": 52.0, "AED": 3.97, "SAR": 4.06, "QAR": 3.94, "ILS": 4.0,
    "JOD": 0.77, "PKR": 301.0, "BDT": 128.0, "LKR": 325.0, "NPR": 145.0, "IDR": 17150.0, "MYR": 4.95,
    "THB": 38.2, "VND": 27200.0, "PHP": 61.9, "MNT": 3700.0, "KHR": 4400.0, "LAK": 23300.0,
}
