"""Everyday words that are never part of a name a caller gives: not of a street ("2 days down the road" is no
address) and not of an e-mail's local part ("send it to me at...")."""

NOT_NAME = set("""a an the of on in at to for from by with and or but is are was were be been it its this that
these those my your our their his her i you we they me him them us up down out off over under into onto
about around along across round back just only also very so then than there here what which who when where
why how all any some no not yes yeah okay ok please thanks thank sorry well oh um uh erm er hmm right sure
days day weeks week months month years year hours hour minutes minute seconds times time pounds pound quid
pence dollars dollar cents euros items item boxes box bags packs pack people calls call orders order tickets
ticket miles mile metres meters km kilometres kilometers yards feet floors floor stops stop doors door
more less other another same next last first second third before after again still even too lot lots
get got go going went come came take took have has had do did does make made see saw call called live
lived living want need like said says say tell told ask asked""".split())
