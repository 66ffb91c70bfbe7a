"""Date dimensions of both warehouses, computed column-wise from a date range.

Week numbers follow SQL Server's ``DATEPART(week, ...)`` (weeks start on Sunday, the week holding
1 January is week 1) and day-of-week numbers its default ``DATEFIRST 7`` (Sunday = 1), because
that is what Microsoft's own date dimensions hold. AdventureWorks' fiscal year starts on 1 July,
WideWorldImporters' on 1 November; both are named after the calendar year they end in.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

_EN_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_ES_DAYS = ["Domingo", "Lunes", "Martes", "Miércoles", "Jueves", "Viernes", "Sábado"]
_FR_DAYS = ["Dimanche", "Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi"]
_EN_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_ES_MONTHS = [
    "Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio",
    "Julio", "Agosto", "Septiembre", "Octubre", "Noviembre", "Diciembre",
]  # fmt: skip
_FR_MONTHS = [
    "Janvier", "Février", "Mars", "Avril", "Mai", "Juin",
    "Juillet", "Août", "Septembre", "Octobre", "Novembre", "Décembre",
]  # fmt: skip


def date_range(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """Every day from ``start`` to ``end`` inclusive."""
    return pd.date_range(start, end, freq="D")


def date_key(days: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """``YYYYMMDD`` integers, the AdventureWorks date key."""
    idx = pd.DatetimeIndex(days)
    return np.asarray(idx.year * 10000 + idx.month * 100 + idx.day, dtype=np.int64)


def _sql_week(idx: pd.DatetimeIndex) -> np.ndarray:
    """``DATEPART(week, d)`` with ``DATEFIRST 7``: Sunday-start weeks, 1 January in week 1."""
    jan1 = pd.to_datetime({"year": idx.year, "month": 1, "day": 1})
    jan1_dow = np.asarray((jan1.dt.dayofweek + 1) % 7)  # Sunday = 0
    week: np.ndarray = np.asarray((idx.dayofyear - 1 + jan1_dow) // 7 + 1, dtype=np.int64)
    return week


def _take(names: list[str], positions: np.ndarray) -> np.ndarray:
    taken: np.ndarray = np.asarray(names, dtype=object)[positions]
    return taken


def aw_dim_date(start: dt.date, end: dt.date) -> pd.DataFrame:
    """Rows of ``dbo.DimDate`` for every day in the range."""
    idx = date_range(start, end)
    dow0 = np.asarray((idx.dayofweek + 1) % 7)  # Sunday = 0
    month = np.asarray(idx.month)
    quarter = np.asarray(idx.quarter)
    fiscal_quarter = ((month - 7) % 12) // 3 + 1
    return pd.DataFrame(
        {
            "DateKey": date_key(idx),
            "FullDateAlternateKey": idx.date,
            "DayNumberOfWeek": dow0 + 1,
            "EnglishDayNameOfWeek": _take(_EN_DAYS, dow0),
            "SpanishDayNameOfWeek": _take(_ES_DAYS, dow0),
            "FrenchDayNameOfWeek": _take(_FR_DAYS, dow0),
            "DayNumberOfMonth": np.asarray(idx.day),
            "DayNumberOfYear": np.asarray(idx.dayofyear),
            "WeekNumberOfYear": _sql_week(idx),
            "EnglishMonthName": _take(_EN_MONTHS, month - 1),
            "SpanishMonthName": _take(_ES_MONTHS, month - 1),
            "FrenchMonthName": _take(_FR_MONTHS, month - 1),
            "MonthNumberOfYear": month,
            "CalendarQuarter": quarter,
            "CalendarYear": np.asarray(idx.year),
            "CalendarSemester": np.where(month <= 6, 1, 2),
            "FiscalQuarter": fiscal_quarter,
            "FiscalYear": np.asarray(idx.year) + (month >= 7),
            "FiscalSemester": np.where(fiscal_quarter <= 2, 1, 2),
        }
    )


def _labels(days: pd.DatetimeIndex, fmt_long: bool) -> np.ndarray:
    """``January 1, 2013`` (long) or ``Jan 1, 2013`` (short), without zero padding."""
    names = _EN_MONTHS if fmt_long else [m[:3] for m in _EN_MONTHS]
    month = _take(names, np.asarray(days.month) - 1)
    return np.asarray(
        [f"{m} {d}, {y}" for m, d, y in zip(month, days.day, days.year, strict=True)],
        dtype=object,
    )


def _str(values: np.ndarray) -> np.ndarray:
    return values.astype(str).astype(object)


def wwi_dim_date(start: dt.date, end: dt.date) -> pd.DataFrame:
    """Rows of ``Dimension.Date`` (Microsoft's 62-column definition) for every day."""
    idx = date_range(start, end)
    year = np.asarray(idx.year)
    month = np.asarray(idx.month)
    quarter = np.asarray(idx.quarter)
    half = np.where(month <= 6, 1, 2)
    dow0 = np.asarray((idx.dayofweek + 1) % 7)
    week = _sql_week(idx)
    fmonth = (month - 11) % 12 + 1
    fyear = year + (month >= 11)
    fquarter = (fmonth - 1) // 3 + 1
    fhalf = (fmonth - 1) // 6 + 1
    short = _take([m[:3] for m in _EN_MONTHS], month - 1)
    bom = idx.to_period("M").to_timestamp()
    boq = idx.to_period("Q").to_timestamp()
    boh = pd.to_datetime({"year": year, "month": np.where(half == 1, 1, 7), "day": 1})
    boh_idx = pd.DatetimeIndex(boh)
    boy = pd.DatetimeIndex(pd.to_datetime({"year": year, "month": 1, "day": 1}))
    cy = np.asarray([f"CY{y}" for y in year], dtype=object)
    fy = np.asarray([f"FY{y}" for y in fyear], dtype=object)
    fshort = _take([m[:3] for m in _EN_MONTHS], (fmonth + 9) % 12)
    key = date_key(idx)
    frame: dict[str, object] = {
        "Date": idx.date,
        "DateKey": key,
        "Day Number": np.asarray(idx.day),
        "Day": _str(np.asarray(idx.day)),
        "Day of Year": _str(np.asarray(idx.dayofyear)),
        "Day of Year Number": np.asarray(idx.dayofyear),
        "Day of Week": _take(_EN_DAYS, dow0),
        "Day of Week Number": dow0 + 1,
        "Week of Year": _str(week),
        "Month": _take(_EN_MONTHS, month - 1),
        "Short Month": short,
        "Quarter": np.asarray([f"Q{q}" for q in quarter], dtype=object),
        "Half of Year": np.asarray([f"H{h}" for h in half], dtype=object),
        "Beginning of Month": bom.date,
        "Beginning of Quarter": boq.date,
        "Beginning of Half Year": boh_idx.date,
        "Beginning of Year": boy.date,
    }
    for name, days in (("Month", bom), ("Quarter", boq), ("Half Year", boh_idx), ("Year", boy)):
        frame[f"Beginning of {name} Label"] = _labels(days, True)
        frame[f"Beginning of {name} Label Short"] = _labels(days, False)
    frame.update(
        {
            "Calendar Day Label": _labels(idx, True),
            "Calendar Day Label Short": _labels(idx, False),
            "Calendar Week Number": week,
            "Calendar Week Label": cy + np.asarray([f"-W{w:02d}" for w in week], dtype=object),
            "Calendar Month Number": month,
            "Calendar Month Label": cy + "-" + short,
            "Calendar Month Year Label": short + np.asarray([f"-{y}" for y in year], dtype=object),
            "Calendar Quarter Number": quarter,
            "Calendar Quarter Label": cy + np.asarray([f"-Q{q}" for q in quarter], dtype=object),
            "Calendar Quarter Year Label": np.asarray(
                [f"Q{q}-{y}" for q, y in zip(quarter, year, strict=True)], dtype=object
            ),
            "Calendar Half of Year Number": half,
            "Calendar Half of Year Label": cy + np.asarray([f"-H{h}" for h in half], dtype=object),
            "Calendar Year Half of Year Label": np.asarray(
                [f"H{h}-{y}" for h, y in zip(half, year, strict=True)], dtype=object
            ),
            "Calendar Year": year,
            "Calendar Year Label": cy,
            "Fiscal Month Number": fmonth,
            "Fiscal Month Label": fy + "-" + fshort,
            "Fiscal Quarter Number": fquarter,
            "Fiscal Quarter Label": fy + np.asarray([f"-Q{q}" for q in fquarter], dtype=object),
            "Fiscal Half of Year Number": fhalf,
            "Fiscal Half of Year Label": fy + np.asarray([f"-H{h}" for h in fhalf], dtype=object),
            "Fiscal Year": fyear,
            "Fiscal Year Label": fy,
            "Date Key": key,
            "Year Week Key": year * 100 + week,
            "Year Month Key": year * 100 + month,
            "Year Quarter Key": year * 10 + quarter,
            "Year Half of Year Key": year * 10 + half,
            "Year Key": year,
            "Beginning of Month Key": date_key(bom),
            "Beginning of Quarter Key": date_key(boq),
            "Beginning of Half Year Key": date_key(boh_idx),
            "Beginning of Year Key": date_key(boy),
            "Fiscal Year Month Key": fyear * 100 + fmonth,
            "Fiscal Year Quarter Key": fyear * 10 + fquarter,
            "Fiscal Year Half of Year Key": fyear * 10 + fhalf,
            "ISO Week Number": np.asarray(idx.isocalendar().week, dtype=np.int64),
        }
    )
    return pd.DataFrame(frame)
