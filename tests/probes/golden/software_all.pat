software:*
