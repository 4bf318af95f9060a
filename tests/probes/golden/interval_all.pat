interval:*
