"""Word lists of the personal-data detector, written for it (no external list is copied).

Kept in plain Python strings so that they are read once, with the module, and reviewed like
code. Every entry is compared without accents or case.
"""

from __future__ import annotations

#: Common French first names (given names), masculine and feminine, including compounds'
#: parts. Names that are also everyday capitalised words at the start of a sentence
#: (« France », « Noël », « Pascal » as a unit) are left out on purpose.
FIRST_NAMES = """
aaron abel adam adele adeline adrien agathe agnes aime aimee alain alais alban albert alexandra
alexandre alexis alfred alice alicia aline alix amandine amaury ambre amelie anais andre andree
angele angelique anne annick annie anthony antoine antoinette antonin apolline armand arnaud arthur
audrey augustin aurelie aurelien axel axelle baptiste barbara bastien beatrice benedicte benjamin
benoit bernadette bernard bertrand brigitte bruno camille capucine carine carole caroline cassandre
catherine cecile celine chantal charles charlotte chloe christelle christian christiane christine
christophe claude claudine clemence clement clementine colette coline colin corentin corinne cyril
cyrille damien daniel danielle david delphine denis denise didier dominique dorian dorothee edith
edmond edouard eliane elie elisabeth elise eloise elodie emile emilie emma emmanuel emmanuelle eric
erwan estelle ethan etienne eugene eugenie eva evelyne fabien fabienne fabrice fanny felix fernand
fernande florence florent florian francine francis francois francoise frederic frederique gabriel
gabrielle gael gaelle gaetan gaston genevieve georges gerald gerard germaine ghislaine gilbert gilles
ginette gisele gregoire gregory guillaume guy guylaine gwenaelle helene henri henriette herve hugo
hugues ines irene isabelle jacqueline jacques jean jeanne jeannine jeremy jerome joel joelle jonathan
jordan joseph josette josiane jules julia julie julien juliette justine karine kevin laetitia
laurence laurent lea lea leon leonie liliane lionel lisa loic louis louise luc lucas lucie lucien
lucienne ludovic lydie madeleine manon marc marcel marcelle margaux margot marguerite marianne marie
mariette marine marion marius marjorie marthe martine mathieu mathilde matthieu maurice maxime
melanie michel micheline michele mickael mireille monique muriel mylene nadege nadia nadine nathalie
nicolas nicole noemie oceane odette odile olivier pascale patrice patricia patrick paul paule
paulette pauline philippe pierre pierrette quentin raphael raymond raymonde regine regis remi renee
rene richard robert roger roland romain romane rosine sabine sacha samuel sandrine sarah sebastien
serge severine simon simone solange sophie stephane stephanie suzanne sylvain sylvie tanguy thais
theo theophile therese thibault thierry thomas timothee tristan valentin valerie vanessa veronique
victor vincent virginie viviane xavier yann yannick yves yvette yvonne zoe
""".split()

#: People named in the public debate as such: not private data. Full names, and the surnames
#: that alone designate the public figure (« Macron »; not « Rousseau », a common surname).
#: « Madame Michu » is the proverbial ordinary Frenchwoman.
PUBLIC_FIGURES = """
emmanuel macron|macron|brigitte macron|edouard philippe|francois hollande|hollande|nicolas sarkozy|
sarkozy|jacques chirac|chirac|francois mitterrand|mitterrand|charles de gaulle|de gaulle|
georges pompidou|pompidou|valery giscard d'estaing|giscard|marine le pen|le pen|jean-marie le pen|
jean-luc melenchon|melenchon|laurent wauquiez|wauquiez|christophe castaner|castaner|
gerald darmanin|darmanin|bruno le maire|agnes buzyn|buzyn|marlene schiappa|schiappa|
benjamin griveaux|griveaux|sebastien lecornu|lecornu|emmanuelle wargon|wargon|richard ferrand|
gerard larcher|francois de rugy|de rugy|nicolas hulot|hulot|muriel penicaud|penicaud|
jean-michel blanquer|blanquer|elisabeth borne|jean castex|chantal jouanno|jouanno|
alexandre benalla|benalla|bernard arnault|carlos ghosn|ghosn|
jean jaures|jaures|victor hugo|jules ferry|jean moulin|louis pasteur|marie curie|pierre curie|
jeanne d'arc|napoleon|leon blum|simone veil|abbe pierre|coluche|jean monnet|robert schuman|
clemenceau|georges clemenceau|gambetta|leon gambetta|voltaire|jean-jacques rousseau|montesquieu|
moliere|emile zola|zola|albert camus|jean-paul sartre|louis xiv|louis xvi|marie-antoinette|
robespierre|danton|jean de la fontaine|antoine de saint-exupery|saint-exupery|general leclerc|
marechal foch|marechal joffre|jean mermoz|pierre mendes france|mendes france|aristide briand|
jean zay|michu
""".replace("\n", "").split("|")

#: Words that make « M. X » or « Madame X » a function, not a person.
TITLE_FUNCTIONS = """
le la les l maire maires president presidente prefet prefete ministre ministres depute deputee
senateur senatrice conseiller conseillere directeur directrice cure abbe juge procureur commissaire
secretaire adjoint adjointe delegue deleguee rapporteur gouverneur premier premiere tout toute
""".split()

#: Words before a person's name that make it the name of a place or an institution.
INSTITUTIONS = """
ecole college lycee universite hopital clinique centre salle stade gymnase mediatheque bibliotheque
espace fondation musee maison foyer residence ehpad institut complexe piscine square parc jardin
rue avenue boulevard place allee impasse chemin quai cours route pont gare aeroport cite
lotissement saint sainte st ste prix promotion association club rond-point caserne
""".split()

#: Local parts of institutional, generic mailboxes (mairie@…, contact@…).
GENERIC_MAILBOXES = """
mairie contact accueil info infos information secretariat secretariat-mairie communication
courrier administration admin service services direction presse webmaster noreply no-reply
ne-pas-repondre cabinet standard reservation reservations inscriptions inscription agence bureau
office tourisme ecole college lycee mediatheque bibliotheque prefecture sous-prefecture
""".split()

#: Consumer email providers: an address there belongs to a person, whatever its local part.
WEBMAIL = """
gmail.com orange.fr wanadoo.fr free.fr laposte.net sfr.fr neuf.fr hotmail.fr hotmail.com
yahoo.fr yahoo.com outlook.fr outlook.com live.fr live.com icloud.com me.com aol.com aliceadsl.fr
bbox.fr club-internet.fr numericable.fr gmx.fr protonmail.com proton.me msn.com
""".split()
