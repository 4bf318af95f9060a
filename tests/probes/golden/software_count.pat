software:cs:*
