"""Writes the example survey files beside this script: ``python config/surveys/make_examples.py``.

``example-phone.csv`` and ``example-phone.xlsx`` hold the same 80 phone respondents of the demo
office (``hailong demo``'s office id ``demo``), chosen to be clearly less satisfied than the
demo's simulated kiosks, so that the dashboard marks the difference. The numbers follow fixed
patterns (no randomness), so the files never change unless this script does.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
OFFICE = "demo"
RESPONDENTS = 80
FIRST_DAY = date(2026, 11, 2)
HEADER = ["office", "date", "channel", "respondent", "overall", "access", "procedure", "officer",
          "result", "feedback"]
# Answers cycle through these patterns: 24 of 80 overall answers are 4 or 5 (30 %).
OVERALL = [1, 2, 2, 3, 4, 2, 3, 5, 1, 2, 4, 3, 2, 4, 3, 5, 2, 1, 4, 3]
OTHERS = [3, 4, 2, 5, 3, 4, 1, 2, 4, 3, 5, 2, 3, 4]
LABELS = {1: "Rất không hài lòng", 2: "Không hài lòng", 3: "Bình thường", 4: "Hài lòng",
          5: "Rất hài lòng"}


def rows() -> list[list[str]]:
    table = []
    for index in range(RESPONDENTS):
        day = FIRST_DAY + timedelta(days=index % 26)
        overall = OVERALL[index % len(OVERALL)]
        answers = [str(overall)]
        for offset in range(5):
            value = OTHERS[(index * 3 + offset * 5) % len(OTHERS)]
            if (index + offset) % 11 == 0:
                answers.append("")  # skipped
            elif (index + offset) % 7 == 0:
                answers.append(LABELS[value])  # the Vietnamese label, as a typist may write it
            else:
                answers.append(str(value))
        if index % 9 == 4:
            answers[4] = "Chưa nhận kết quả"  # the result question's "not received yet"
        table.append([OFFICE, day.isoformat(), "phone", f"P-{index + 1:04d}", *answers])
    return table


def main() -> None:
    with (HERE / "example-phone.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows())
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "phone survey"
    sheet.append(HEADER)
    for row in rows():
        sheet.append([date.fromisoformat(row[1]) if i == 1 else row[i] if i < 4 or not
                      row[i].isdigit() else int(row[i]) for i in range(len(row))])
    for cell in sheet["B"][1:]:
        cell.number_format = "yyyy-mm-dd"
    book.save(HERE / "example-phone.xlsx")


if __name__ == "__main__":
    main()
