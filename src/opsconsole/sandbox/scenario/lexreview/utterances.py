"""What customers say to the BankingHelpDesk bot: phrasings it understood and phrasings it missed.

Missed phrasings carry the intent a reviewer would forward them to (``None``
for requests the bank's bot is not for); the conversation table stores only
what Lex saw (the fallback), never this answer. Weights make some phrasings
come back across many calls, so Lex's aggregated statistics and a
near-duplicate search have something to find. ``CHAT_ONLY`` phrasings (emoji,
other scripts, right-to-left text) are typed, never spoken.
"""

from __future__ import annotations

Phrase = tuple[str, "str | None", int]  # text, intent a reviewer would choose (None: out of scope), weight

#: intent -> what customers said that Lex recognised
RECOGNISED: dict[str, dict[str, tuple[str, ...]]] = {
    "en_US": {
        "CheckBalance": ("What's my balance", "check my account balance", "How much money do I have",
                         "what is the balance of my checking account", "How much is in my savings",
                         "balance please", "Can you tell me my current balance please"),
        "TransferFunds": ("Transfer money", "I want to transfer 200 dollars to my savings",
                          "move 50 from checking to savings", "I need to move funds", "make a transfer"),
        "ReportLostCard": ("I lost my card", "my card was stolen", "block my card", "I lost my debit card",
                           "I can't find my debit card", "freeze my card"),
        "OpenAccount": ("I want to open a savings account", "open a new account", "How do I open an account"),
        "ResetPassword": ("I forgot my password", "reset my password", "I can't log in",
                          "I'm locked out of my account"),
        "FindBranch": ("Where is the nearest branch", "branch hours", "is there an ATM near me",
                       "find a branch in Tampa", "What time does the branch close"),
        "LoanInquiry": ("What are your mortgage rates", "I'm interested in a mortgage loan", "car loan rates",
                        "how much can I borrow"),
        "DisputeCharge": ("There's a charge I don't recognize", "I was charged twice", "dispute a transaction",
                          "I didn't make this purchase"),
        "SpeakToAgent": ("speak to an agent", "representative", "talk to a person", "Agent please",
                         "I want a human", "can I talk to someone"),
    },
    "es_US": {
        "CheckBalance": ("¿Cuál es mi saldo?", "quiero saber mi saldo", "¿Cuánto dinero tengo?",
                         "¿Cuál es el saldo de mi cuenta de ahorros?"),
        "TransferFunds": ("quiero hacer una transferencia", "pasar 100 de cheques a ahorros", "transferir dinero"),
        "ReportLostCard": ("perdí mi tarjeta", "me robaron la tarjeta", "bloquear mi tarjeta"),
        "OpenAccount": ("quiero abrir una cuenta", "¿Cómo abro una cuenta?"),
        "ResetPassword": ("olvidé mi contraseña", "no puedo entrar a la banca en línea"),
        "FindBranch": ("¿Dónde está la sucursal más cercana?", "horario de la sucursal", "buscar un cajero"),
        "LoanInquiry": ("quiero un préstamo", "¿Qué tasas tienen para hipotecas?"),
        "DisputeCharge": ("hay un cargo que no reconozco", "me cobraron dos veces"),
        "SpeakToAgent": ("hablar con un agente", "quiero hablar con una persona", "representante"),
    },
}

MISSED: dict[str, tuple[Phrase, ...]] = {
    "en_US": (
        ("I lost my wallet and my card was in it", "ReportLostCard", 9),
        ("my wallet got stolen at the gym", "ReportLostCard", 4),
        ("I think I left my card at the restaurant last night", "ReportLostCard", 3),
        ("the ATM ate my card", "ReportLostCard", 5),
        ("the atm kept my card and wont give it back", "ReportLostCard", 2),
        ("cant find my visa anywhere", "ReportLostCard", 2),
        ("how much cash is sitting in checking", "CheckBalance", 3),
        ("am I overdrawn", "CheckBalance", 6),
        ("did my paycheck come in yet", "CheckBalance", 7),
        ("what do I have left until payday", "CheckBalance", 2),
        ("can you shift 200 bucks over to my savings", "TransferFunds", 3),
        ("put some money from checking into savings", "TransferFunds", 4),
        ("I need to pay my sister back can you send her money", "TransferFunds", 2),
        ("wire money to my landlord", "TransferFunds", 3),
        ("the app keeps saying my credentials are wrong", "ResetPassword", 5),
        ("locked out of online banking after too many tries", "ResetPassword", 3),
        ("I never got the verification code", "ResetPassword", 6),
        ("are you guys open on saturday", "FindBranch", 6),
        ("closest place I can deposit cash", "FindBranch", 3),
        ("is the downtown office still open", "FindBranch", 2),
        ("what would my monthly payment be on a 30k car", "LoanInquiry", 3),
        ("can I refinance my house with you", "LoanInquiry", 4),
        ("do you do student loans", "LoanInquiry", 2),
        ("there's a netflix charge I never signed up for", "DisputeCharge", 4),
        ("the merchant charged me twice for one coffee", "DisputeCharge", 3),
        ("someone used my card in another state", "DisputeCharge", 5),
        ("I want my money back from this store", "DisputeCharge", 3),
        ("can my teenager get an account", "OpenAccount", 3),
        ("I want a joint account with my wife", "OpenAccount", 3),
        ("do you have business accounts", "OpenAccount", 2),
        ("just get me a human", "SpeakToAgent", 7),
        ("operator", "SpeakToAgent", 8),
        ("this bot is useless let me talk to someone", "SpeakToAgent", 4),
        ("agent agent agent", "SpeakToAgent", 5),
        ("what's the weather tomorrow", None, 2),
        ("can you order me a pizza", None, 1),
        ("what's the bitcoin price today", None, 2),
        ("who won the game last night", None, 1),
        ("is the stock market open today", None, 2),
    ),
    "es_US": (
        ("¿Puedo transferir dinero a mi cuenta de ahorros?", "TransferFunds", 6),
        ("quiero hacer un transfer a mi savings", "TransferFunds", 3),
        ("se me perdió la cartera con la tarjeta adentro", "ReportLostCard", 5),
        ("el cajero se tragó mi tarjeta", "ReportLostCard", 3),
        ("mi tarjeta no pasa en ningún lado", "DisputeCharge", 2),
        ("me llegó un cobro de Amazon que no hice", "DisputeCharge", 4),
        ("¿cuánto me queda en la cuenta de cheques?", "CheckBalance", 4),
        ("¿ya me depositaron la quincena?", "CheckBalance", 5),
        ("olvidé el usuario de la aplicación", "ResetPassword", 3),
        ("no me llega el código de verificación", "ResetPassword", 4),
        ("¿a qué hora abren el sábado?", "FindBranch", 5),
        ("¿me pueden dar un préstamo para un carro?", "LoanInquiry", 3),
        ("quisiera abrir una cuenta para mi hijo", "OpenAccount", 3),
        ("quiero hablar con alguien de verdad", "SpeakToAgent", 6),
        ("operadora", "SpeakToAgent", 4),
        ("¿cómo está el clima mañana?", None, 1),
        ("¿a cuánto está el dólar hoy?", None, 2),
    ),
}

#: typed in chat only: emoji, other scripts (Arabic and Hebrew are written right to left)
CHAT_ONLY: dict[str, tuple[Phrase, ...]] = {
    "en_US": (
        ("my card got declined again 😡😡", "DisputeCharge", 3),
        ("need to send money to my mom 💸", "TransferFunds", 3),
        ("lost my card 😭 what do i do", "ReportLostCard", 3),
        ("hellooo?? 🙄 is anyone there", "SpeakToAgent", 2),
        ("فقدت بطاقتي البنكية", "ReportLostCard", 2),
        ("أريد التحدث مع موظف خدمة العملاء", "SpeakToAgent", 2),
        ("كم الرصيد في حسابي؟", "CheckBalance", 1),
        ("איבדתי את כרטיס האשראי שלי", "ReportLostCard", 1),
        ("אני רוצה לדבר עם נציג", "SpeakToAgent", 1),
        ("Can I pay my café bill in São Paulo with my card?", None, 1),
    ),
    "es_US": (
        ("¡Me cobraron de más! 😤", "DisputeCharge", 3),
        ("ya no sé qué hacer 😩 necesito a una persona", "SpeakToAgent", 2),
        ("perdi meu cartão no ônibus", "ReportLostCard", 1),
        ("quiero mandar dinero a mi mamá 💸🙏", "TransferFunds", 2),
    ),
}

#: long turns (callers who explain everything at once); Lex misses them
LONG: dict[str, tuple[Phrase, ...]] = {
    "en_US": (
        ("Hi, so I was at the grocery store this morning and my card got declined even though I'm pretty sure "
         "I got paid yesterday, and then I checked the app and it shows a pending charge from a hotel in Denver "
         "that I've never been to, so I don't know if someone has my card number or what, can you help me figure "
         "out what is going on?", "DisputeCharge", 2),
        ("Okay so my husband and I are trying to buy our first house and the realtor said we should get "
         "pre-approved before we start making offers, and I wanted to know if you do that and what the rates look "
         "like right now for a thirty year fixed, because the other bank quoted us something ridiculous",
         "LoanInquiry", 2),
        ("I moved last month and I updated my address online but my new debit card never showed up, and now "
         "the old one stopped working, and I really need to pay rent on Friday so I need to know where the new "
         "card went or how to get money out in the meantime", "ReportLostCard", 2),
        ("yeah hi I've been trying to log into the app for like three days now and every time it sends me a code "
         "the code doesn't work and then it locks me out for an hour and I'm honestly about to switch banks over "
         "this", "ResetPassword", 1),
    ),
    "es_US": (
        ("Buenas tardes, le explico: ayer fui al cajero de la sucursal del centro a sacar dinero, la máquina me "
         "descontó doscientos dólares pero nunca me dio el efectivo, y ahora en la aplicación aparece el retiro "
         "como si lo hubiera recibido, ¿qué puedo hacer para que me lo devuelvan?", "DisputeCharge", 2),
        ("Mire, mi mamá está en México y le quiero mandar dinero cada mes, pero no sé si desde mi cuenta de aquí "
         "se puede hacer o si tengo que ir a otro lado, y también quiero saber cuánto me cobran por cada envío",
         "TransferFunds", 1),
    ),
}
