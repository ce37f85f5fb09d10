"""Official documents (NĐ 30/2020/NĐ-CP): a report's model and its DOCX and PDF renderers."""
