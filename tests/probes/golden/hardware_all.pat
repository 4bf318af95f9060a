hardware:*
