"""Words the demo market is made of: cities with coordinates, name parts and profile phrases per industry."""

from __future__ import annotations

# country -> [(city, latitude, longitude, postal code)]
CITIES: dict[str, list[tuple[str, float, float, str]]] = {
    "PL": [
        ("Warszawa", 52.2297, 21.0122, "00-001"),
        ("Kraków", 50.0647, 19.9450, "30-001"),
        ("Łódź", 51.7592, 19.4560, "90-001"),
        ("Wrocław", 51.1079, 17.0385, "50-001"),
        ("Poznań", 52.4064, 16.9252, "60-001"),
        ("Gdańsk", 54.3520, 18.6466, "80-001"),
        ("Katowice", 50.2649, 19.0238, "40-001"),
        ("Bydgoszcz", 53.1235, 18.0084, "85-001"),
        ("Lublin", 51.2465, 22.5684, "20-001"),
        ("Rzeszów", 50.0412, 21.9991, "35-001"),
        ("Bielsko-Biała", 49.8224, 19.0584, "43-300"),
        ("Częstochowa", 50.8118, 19.1203, "42-200"),
    ],
    "DE": [
        ("Berlin", 52.52, 13.405, "10115"),
        ("Hamburg", 53.5511, 9.9937, "20095"),
        ("München", 48.1351, 11.582, "80331"),
        ("Stuttgart", 48.7758, 9.1829, "70173"),
        ("Düsseldorf", 51.2277, 6.7735, "40213"),
        ("Leipzig", 51.3397, 12.3731, "04109"),
    ],
    "CZ": [
        ("Praha", 50.0755, 14.4378, "110 00"),
        ("Brno", 49.1951, 16.6068, "602 00"),
        ("Ostrava", 49.8209, 18.2625, "702 00"),
    ],
    "SK": [("Bratislava", 48.1486, 17.1077, "811 01"), ("Košice", 48.7164, 21.2611, "040 01")],
    "FR": [
        ("Lyon", 45.764, 4.8357, "69001"),
        ("Lille", 50.6292, 3.0573, "59000"),
        ("Paris", 48.8566, 2.3522, "75001"),
    ],
    "IT": [
        ("Milano", 45.4642, 9.19, "20121"),
        ("Torino", 45.0703, 7.6869, "10121"),
        ("Bologna", 44.4949, 11.3426, "40121"),
    ],
    "NL": [("Rotterdam", 51.9244, 4.4777, "3011"), ("Eindhoven", 51.4416, 5.4697, "5611")],
    "LT": [("Vilnius", 54.6872, 25.2797, "01100"), ("Kaunas", 54.8985, 23.9036, "44001")],
    "UA": [("Lviv", 49.8397, 24.0297, "79000"), ("Kyiv", 50.4501, 30.5234, "01001")],
    "SE": [("Göteborg", 57.7089, 11.9746, "411 01"), ("Malmö", 55.605, 13.0038, "211 01")],
    "ES": [("Barcelona", 41.3874, 2.1686, "08001"), ("Valencia", 39.4699, -0.3763, "46001")],
    "GB": [("Birmingham", 52.4862, -1.8904, "B1 1AA"), ("Manchester", 53.4808, -2.2426, "M1 1AA")],
    "CN": [("Shenzhen", 22.5431, 114.0579, "518000"), ("Ningbo", 29.8683, 121.544, "315000")],
    "TR": [("Istanbul", 41.0082, 28.9784, "34000"), ("Bursa", 40.1885, 29.061, "16000")],
}

COUNTRY_LANGUAGES = {
    "PL": ["pl", "en"], "DE": ["de", "en"], "CZ": ["cs", "en", "de"], "SK": ["sk", "cs", "en"],
    "FR": ["fr", "en"], "IT": ["it", "en"], "NL": ["nl", "en", "de"], "LT": ["lt", "en", "pl"],
    "UA": ["uk", "pl", "en"], "SE": ["sv", "en"], "ES": ["es", "en"], "GB": ["en"],
    "CN": ["zh", "en"], "TR": ["tr", "en", "de"],
}  # fmt: skip

LEGAL_FORMS = {
    "PL": "sp. z o.o.", "DE": "GmbH", "CZ": "s.r.o.", "SK": "s.r.o.", "FR": "SAS", "IT": "S.r.l.",
    "NL": "B.V.", "LT": "UAB", "UA": "TOV", "SE": "AB", "ES": "S.L.", "GB": "Ltd",
    "CN": "Co., Ltd.", "TR": "A.Ş.",
}  # fmt: skip

# industry -> (name stems, English capabilities, Polish capabilities, English pitch, Polish pitch)
INDUSTRY_PROFILES: dict[str, tuple[list[str], list[str], list[str], str, str]] = {
    "metals": (
        ["Stal", "Metalex", "Ferrum", "Steelworks", "Alumet", "Inox"],
        ["Laser cutting", "CNC bending", "Stainless steel sheet", "Welding", "Powder coating"],
        ["Cięcie laserowe", "Gięcie CNC", "Blachy nierdzewne", "Spawanie", "Malowanie proszkowe"],
        "Steel service centre and contract metalworking for machine builders and construction.",
        "Centrum serwisowe stali i obróbka metali na zlecenie dla producentów maszyn i budownictwa.",
    ),
    "chemicals": (
        ["Chemos", "Polychem", "Synthex", "Reagent", "Azotex"],
        ["Industrial solvents", "Water treatment chemicals", "Custom blending", "ADR transport"],
        [
            "Rozpuszczalniki przemysłowe",
            "Chemia do uzdatniania wody",
            "Mieszanie na zamówienie",
            "Transport ADR",
        ],
        "Distributor and blender of industrial chemicals with REACH-compliant documentation.",
        "Dystrybutor i producent mieszanin chemii przemysłowej z dokumentacją zgodną z REACH.",
    ),
    "plastics": (
        ["Plastimex", "Polimer", "Moldtec", "Granulex", "Elastica"],
        ["Injection moulding", "PP and PE granulate", "Extrusion", "Rubber seals"],
        ["Wtrysk tworzyw", "Granulat PP i PE", "Wytłaczanie", "Uszczelki gumowe"],
        "Injection moulding of technical parts and trading of polymer granulates.",
        "Wtrysk części technicznych i handel granulatami tworzyw sztucznych.",
    ),
    "textiles": (
        ["Textilia", "Wełnopol", "Fabrico", "Workwear", "Linum"],
        ["Workwear sewing", "Technical fabrics", "Embroidery", "Private label"],
        ["Szycie odzieży roboczej", "Tkaniny techniczne", "Haft", "Marka własna"],
        "Manufacturer of workwear and technical textiles for industry and hospitality.",
        "Producent odzieży roboczej i tekstyliów technicznych dla przemysłu i hotelarstwa.",
    ),
    "food-agriculture": (
        ["Agro", "Sadownik", "Młyn", "FreshFarm", "Zboża", "Dairy"],
        ["Frozen fruit", "Flour milling", "Rapeseed oil", "Private label packing", "Cold chain"],
        [
            "Mrożone owoce",
            "Przemiał zbóż",
            "Olej rzepakowy",
            "Pakowanie pod marką klienta",
            "Łańcuch chłodniczy",
        ],
        "Producer and exporter of food ingredients with IFS and HACCP certified plants.",
        "Producent i eksporter składników spożywczych z zakładami certyfikowanymi IFS i HACCP.",
    ),
    "electronics": (
        ["Elektro", "Circuitry", "Volt", "PCB-Tech", "Sensorik"],
        ["PCB assembly (SMT/THT)", "Cable harnesses", "LED drivers", "Box build"],
        ["Montaż PCB (SMT/THT)", "Wiązki kablowe", "Zasilacze LED", "Montaż urządzeń"],
        "EMS provider: PCB assembly, cable harnesses and complete device builds.",
        "Dostawca usług EMS: montaż PCB, wiązki kablowe i kompletne urządzenia.",
    ),
    "machinery": (
        ["Maszyny", "Hydraulik", "Automatyka", "Conveyo", "Techmasz"],
        ["Conveyor systems", "Hydraulic cylinders", "Industrial automation", "Spare parts"],
        ["Przenośniki", "Siłowniki hydrauliczne", "Automatyka przemysłowa", "Części zamienne"],
        "Designer and builder of conveyors, hydraulics and special-purpose machines.",
        "Projektant i producent przenośników, hydrauliki i maszyn specjalnych.",
    ),
    "construction": (
        ["Budmat", "Beton", "Cegielnia", "Insulex", "Dachy"],
        ["Ready-mix concrete", "Clay bricks", "Mineral wool insulation", "Roof tiles"],
        ["Beton towarowy", "Cegła ceramiczna", "Wełna mineralna", "Dachówki"],
        "Supplier of building materials for contractors and developers, with own fleet.",
        "Dostawca materiałów budowlanych dla wykonawców i deweloperów, z własnym transportem.",
    ),
    "packaging": (
        ["Pakopol", "Kartonex", "Folia", "Boxmaker", "Palety"],
        ["Corrugated boxes", "Stretch film", "EUR pallets", "Printed labels"],
        ["Kartony z tektury falistej", "Folia stretch", "Palety EUR", "Etykiety z nadrukiem"],
        "Packaging manufacturer: corrugated boxes, film and pallets in short lead times.",
        "Producent opakowań: kartony, folie i palety w krótkich terminach.",
    ),
    "furniture": (
        ["Meble", "Drewno", "Woodline", "Sklejka", "Officia"],
        ["Office furniture", "Plywood", "Solid oak components", "Contract furnishing"],
        ["Meble biurowe", "Sklejka", "Elementy z litego dębu", "Wyposażenie obiektów"],
        "Furniture and wood components for retailers, offices and hotels.",
        "Meble i elementy drewniane dla sieci handlowych, biur i hoteli.",
    ),
    "automotive": (
        ["Autoparts", "Motoryzacja", "Brakex", "Turbo", "Filtron"],
        ["Brake components", "Stamped parts", "Filters", "IATF 16949 production"],
        ["Elementy hamulcowe", "Wytłoczki", "Filtry", "Produkcja zgodna z IATF 16949"],
        "Tier-2 supplier of stamped, machined and rubber parts for the automotive industry.",
        "Dostawca drugiego rzędu wytłoczek, części obrabianych i gumowych dla motoryzacji.",
    ),
    "medical": (
        ["Medica", "Sterimed", "Ortho", "Labox", "Higiena"],
        ["Disposable gloves", "Sterile dressings", "Lab consumables", "ISO 13485 manufacturing"],
        [
            "Rękawice jednorazowe",
            "Opatrunki sterylne",
            "Materiały laboratoryjne",
            "Produkcja ISO 13485",
        ],
        "Medical and laboratory consumables, made and sterilised under ISO 13485.",
        "Materiały medyczne i laboratoryjne produkowane i sterylizowane zgodnie z ISO 13485.",
    ),
    "energy": (
        ["Solar", "Energo", "Windpol", "Ogniwo", "Heatpump"],
        ["PV modules", "Inverters", "Battery storage", "Installation services"],
        ["Moduły fotowoltaiczne", "Falowniki", "Magazyny energii", "Usługi montażowe"],
        "Wholesale of photovoltaic components and energy storage with installation support.",
        "Hurtownia komponentów fotowoltaicznych i magazynów energii ze wsparciem montażu.",
    ),
    "logistics": (
        ["Trans", "Spedycja", "Cargo", "Logistix", "Magazyn"],
        ["FTL and LTL road freight", "Contract warehousing", "Customs clearance", "Cross-docking"],
        ["Transport FTL i LTL", "Magazynowanie kontraktowe", "Odprawy celne", "Cross-docking"],
        "Road freight, warehousing and customs services across Central Europe.",
        "Transport drogowy, magazynowanie i usługi celne w Europie Środkowej.",
    ),
    "it-services": (
        ["Softhouse", "Datatech", "Cloudix", "Kodeks", "Integra"],
        ["ERP integration", "Custom software", "Cloud hosting", "Cybersecurity audits"],
        [
            "Integracja ERP",
            "Oprogramowanie na zamówienie",
            "Hosting w chmurze",
            "Audyty bezpieczeństwa",
        ],
        "Software house and IT partner for manufacturing and distribution companies.",
        "Software house i partner IT dla firm produkcyjnych i dystrybucyjnych.",
    ),
    "paper-printing": (
        ["Drukarnia", "Papirus", "Printex", "Offset", "Etykieta"],
        ["Offset printing", "Paper bags", "Catalogues", "Folding cartons"],
        ["Druk offsetowy", "Torby papierowe", "Katalogi", "Pudełka składane"],
        "Printing house for packaging, catalogues and paper bags.",
        "Drukarnia opakowań, katalogów i toreb papierowych.",
    ),
}

SURNAMES_PL = [
    "Nowak",
    "Kowalska",
    "Wiśniewski",
    "Wójcik",
    "Kamińska",
    "Lewandowski",
    "Zielińska",
    "Szymański",
    "Dąbrowska",
    "Król",
]
SURNAMES_EN = [
    "Schmidt",
    "Novák",
    "Rossi",
    "Dubois",
    "de Vries",
    "Kazlauskas",
    "Andersson",
    "García",
    "Smith",
    "Yilmaz",
    "Chen",
]
FIRST_NAMES_PL = [
    "Anna",
    "Piotr",
    "Katarzyna",
    "Tomasz",
    "Magdalena",
    "Paweł",
    "Agnieszka",
    "Michał",
]
FIRST_NAMES_EN = ["Julia", "Martin", "Laura", "Lukas", "Sofia", "Jan", "Elena", "David"]
